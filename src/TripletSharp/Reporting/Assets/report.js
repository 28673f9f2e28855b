// TripletSharp report: draws every chart from the JSON in #report-data as inline SVG. No network, no libraries.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  var measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = FONT;

  function textWidth(s) { return Math.ceil(measureCtx.measureText(String(s)).width) + 2; }

  function el(parent, tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    if (attrs) { for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]); } }
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function clear(svg) { while (svg.firstChild) svg.removeChild(svg.firstChild); }

  function widthOf(svg) {
    var box = svg.parentNode.getBoundingClientRect();
    return Math.max(200, Math.floor(box.width));
  }

  function decimalsFor(step) {
    var d = 0;
    while (d < 8 && Math.abs(Math.round(step * Math.pow(10, d)) - step * Math.pow(10, d)) > 1e-6) d++;
    return d;
  }

  function niceStep(range, count) {
    var raw = range / Math.max(1, count);
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  }

  function linearTicks(lo, hi, count, integer) {
    var step = niceStep(hi - lo, count);
    if (integer) step = Math.max(1, Math.round(step));
    var out = [];
    for (var v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    var d = integer ? 0 : decimalsFor(step);
    return out.map(function (t) { return { v: t, s: t.toFixed(d) }; });
  }

  function logTicks(lo, hi) {
    var out = [];
    for (var k = Math.floor(Math.log10(lo) + 1e-9); k <= Math.ceil(Math.log10(hi) - 1e-9); k++) {
      var v = Math.pow(10, k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push({ v: v, s: k === 0 ? '1' : '1e' + k });
    }
    return out;
  }

  function fits(ticks, plotW, scale) {
    for (var i = 1; i < ticks.length; i++) {
      var gap = scale(ticks[i].v) - scale(ticks[i - 1].v);
      if (gap < (textWidth(ticks[i].s) + textWidth(ticks[i - 1].s)) / 2 + 10) return false;
    }
    return true;
  }

  // Draws axes, grid and labels; returns scales and the plot box. Margins follow the measured tick labels, so labels
  // never overlap each other or the axis titles.
  function frame(svg, height, x, y) {
    var width = widthOf(svg);
    var top = 10, bottom = x.label ? 40 : 24;
    var plotH = height - top - bottom;
    var yCount = Math.max(2, Math.floor(plotH / 38));
    var yt = linearTicks(y.lo, y.hi, yCount, false);
    // Fewer than three labels leave the scale hard to read; ask for more while they stay 24 px apart.
    while (yt.length < 3 && plotH / (yCount + 1) >= 24) { yCount++; yt = linearTicks(y.lo, y.hi, yCount, false); }
    var yw = 0;
    yt.forEach(function (t) { yw = Math.max(yw, textWidth(t.s)); });
    var left = yw + 10 + (y.label ? 18 : 0);
    var right = 14;
    var plotW, xt, sx;
    for (var attempt = 0; attempt < 2; attempt++) {
      plotW = width - left - right;
      if (x.log) {
        var l0 = Math.log10(x.lo), l1 = Math.log10(x.hi);
        sx = function (v) { return left + (Math.log10(Math.max(v, x.lo)) - l0) / (l1 - l0) * plotW; };
        xt = logTicks(x.lo, x.hi);
        var stride = 1;
        while (!fits(xt.filter(function (_, i) { return i % stride === 0; }), plotW, sx) && stride < xt.length) stride++;
        xt = xt.filter(function (_, i) { return i % stride === 0; });
      } else {
        sx = function (v) { return left + (v - x.lo) / (x.hi - x.lo) * plotW; };
        var count = Math.max(2, Math.floor(plotW / 60));
        xt = linearTicks(x.lo, x.hi, count, x.integer);
        while (count > 1 && xt.length > 2 && !fits(xt, plotW, sx)) { count--; xt = linearTicks(x.lo, x.hi, count, x.integer); }
      }
      var last = xt.length ? xt[xt.length - 1] : null;
      var need = last ? Math.max(14, sx(last.v) - (width - right) + textWidth(last.s) / 2 + 2 + right) : 14;
      if (need <= right) break;
      right = need;
    }
    var sy = function (v) { return top + (1 - (v - y.lo) / (y.hi - y.lo)) * plotH; };
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    var axis = el(svg, 'g', { 'class': 'axis' });
    yt.forEach(function (t) {
      var py = sy(t.v);
      el(axis, 'line', { 'class': 'grid-line', x1: left, x2: left + plotW, y1: py, y2: py });
      el(axis, 'text', { 'class': 'tick y', x: left - 6, y: py, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, t.s);
    });
    xt.forEach(function (t) {
      var px = sx(t.v);
      el(axis, 'line', { 'class': 'grid-line', x1: px, x2: px, y1: top, y2: top + plotH });
      el(axis, 'text', { 'class': 'tick x', x: px, y: top + plotH + 16, 'text-anchor': 'middle' }, t.s);
    });
    el(axis, 'rect', { 'class': 'frame', x: left, y: top, width: plotW, height: plotH });
    if (x.label) el(axis, 'text', { 'class': 'axis-title x', x: left + plotW / 2, y: height - 4, 'text-anchor': 'middle' }, x.label);
    if (y.label) el(axis, 'text', { 'class': 'axis-title y', transform: 'translate(12,' + (top + plotH / 2) + ') rotate(-90)', 'text-anchor': 'middle', 'dominant-baseline': 'middle' }, y.label);
    return { sx: sx, sy: sy, left: left, top: top, width: plotW, height: plotH, svgWidth: width };
  }

  function padRange(lo, hi, pad) {
    if (!(hi > lo)) { var c = isFinite(lo) ? lo : 0; return [c - 0.5, c + 0.5]; }
    var p = (hi - lo) * pad;
    return [lo - p, hi + p];
  }

  function chartHeight(svg) { return Math.round(Math.min(300, Math.max(190, widthOf(svg) * 0.58))); }

  function fmt(v) { return v === null || v === undefined || !isFinite(v) ? '—' : Number(v).toFixed(4); }

  // ---- curves ----
  function drawCurves() {
    (data.curves || []).forEach(function (c) {
      var svg = document.getElementById('curve-' + c.key);
      if (!svg) return;
      clear(svg);
      var pts = c.points;
      if (!pts.length) {
        svg.setAttribute('height', 40);
        el(svg, 'text', { x: 4, y: 20, 'class': 'empty' }, 'not recorded');
        svg.setAttribute('data-drawn', 'true');
        return;
      }
      var e0 = pts[0][0], e1 = pts[pts.length - 1][0];
      var xr = e1 > e0 ? [e0, e1] : [e0 - 1, e0 + 1];
      var ys = pts.map(function (p) { return p[1]; });
      var yr = padRange(Math.min.apply(null, ys), Math.max.apply(null, ys), 0.08);
      var f = frame(svg, chartHeight(svg), { lo: xr[0], hi: xr[1], integer: true, label: 'epoch' }, { lo: yr[0], hi: yr[1] });
      el(svg, 'polyline', { 'class': 'series', points: pts.map(function (p) { return f.sx(p[0]).toFixed(1) + ',' + f.sy(p[1]).toFixed(1); }).join(' ') });
      var r = pts.length > 60 ? 1.8 : 3;
      pts.forEach(function (p) {
        var dot = el(svg, 'circle', { 'class': 'pt', cx: f.sx(p[0]), cy: f.sy(p[1]), r: r, fill: 'var(--query)', 'data-epoch': p[0], 'data-value': p[1] });
        el(dot, 'title', null, 'epoch ' + p[0] + ': ' + fmt(p[1]));
      });
      svg.setAttribute('data-drawn', 'true');
    });
  }

  // ---- distance histograms ----
  function drawHistograms() {
    var h = data.histogram;
    if (!h) return;
    var edges = h.edges, bins = edges.length - 1;
    var maxFrac = 0;
    var fracs = h.epochs.map(function (e) {
      function norm(a) { var s = a.reduce(function (x, y) { return x + y; }, 0); return a.map(function (v) { return s > 0 ? v / s : 0; }); }
      var f = { ap: norm(e.ap), an: norm(e.an) };
      f.ap.concat(f.an).forEach(function (v) { maxFrac = Math.max(maxFrac, v); });
      return f;
    });
    h.epochs.forEach(function (e, idx) {
      var svg = document.getElementById('hist-epoch-' + e.epoch);
      if (!svg) return;
      clear(svg);
      var f = frame(svg, chartHeight(svg), { lo: edges[0], hi: edges[bins], label: 'distance' }, { lo: 0, hi: maxFrac > 0 ? maxFrac * 1.1 : 1, label: 'fraction of pairs' });
      ['an', 'ap'].forEach(function (kind) {
        var g = el(svg, 'g', { 'class': 'bars ' + kind });
        for (var b = 0; b < bins; b++) {
          var x0 = f.sx(edges[b]), x1 = f.sx(edges[b + 1]);
          var y = f.sy(fracs[idx][kind][b]);
          var bar = el(g, 'rect', { 'class': 'bar ' + kind, x: x0, y: y, width: Math.max(0.5, x1 - x0 - 0.5), height: f.top + f.height - y, 'data-bin': b, 'data-count': e[kind][b] });
          el(bar, 'title', null, (kind === 'ap' ? 'd_ap' : 'd_an') + ' in [' + edges[b].toFixed(3) + ', ' + edges[b + 1].toFixed(3) + '): ' + e[kind][b] + ' pairs');
        }
      });
      if (h.margin !== null && h.margin !== undefined && h.margin >= edges[0] && h.margin <= edges[bins]) {
        var mx = f.sx(h.margin);
        el(svg, 'line', { 'class': 'margin-line', x1: mx, x2: mx, y1: f.top, y2: f.top + f.height });
        var label = 'margin ' + h.margin;
        var atEnd = mx + 6 + textWidth(label) > f.left + f.width;
        el(svg, 'text', { 'class': 'margin-label', x: atEnd ? mx - 5 : mx + 5, y: f.top + 12, 'text-anchor': atEnd ? 'end' : 'start' }, label);
      }
      svg.setAttribute('data-drawn', 'true');
    });
  }

  // ---- maps ----
  var tooltip = document.getElementById('tooltip');

  function showTip(ev, i) {
    var m = data.map;
    var item = m.index[i];
    var thumb = data.thumbs[String(item)];
    tooltip.textContent = '';
    if (thumb) { var img = document.createElement('img'); img.src = thumb; img.alt = ''; tooltip.appendChild(img); }
    var line = document.createElement('div');
    line.textContent = data.classes[m.label[i]] + ' · ' + m.id[i];
    tooltip.appendChild(line);
    tooltip.hidden = false;
    var w = tooltip.offsetWidth, hgt = tooltip.offsetHeight;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + w > window.innerWidth - 4) x = Math.max(4, ev.clientX - w - 14);
    if (y + hgt > window.innerHeight - 4) y = Math.max(4, ev.clientY - hgt - 14);
    tooltip.style.left = x + 'px';
    tooltip.style.top = y + 'px';
  }

  function hideTip() { tooltip.hidden = true; }

  function drawMap(id, pts) {
    var svg = document.getElementById(id);
    if (!svg || !pts) return;
    clear(svg);
    var width = widthOf(svg);
    var height = Math.round(Math.min(width, 520));
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    var pad = 8;
    el(svg, 'rect', { 'class': 'frame', x: 0.5, y: 0.5, width: width - 1, height: height - 1 });
    var maxX = 0, maxY = 0;
    pts.forEach(function (p) { maxX = Math.max(maxX, p[0]); maxY = Math.max(maxY, p[1]); });
    var s = Math.min((width - 2 * pad) / Math.max(maxX, 1e-9), (height - 2 * pad) / Math.max(maxY, 1e-9));
    var ox = (width - maxX * s) / 2, oy = (height - maxY * s) / 2;
    var r = pts.length > 1000 ? 2.2 : pts.length > 300 ? 2.8 : 3.6;
    var g = el(svg, 'g', { 'class': 'points' });
    var labels = data.map.label;
    pts.forEach(function (p, i) {
      el(g, 'circle', { 'class': 'pt c' + labels[i], cx: (ox + p[0] * s).toFixed(1), cy: (height - oy - p[1] * s).toFixed(1), r: r, fill: data.colors[labels[i]], 'data-i': i, 'data-class': labels[i] });
    });
    g.addEventListener('mouseover', function (ev) { var i = ev.target.getAttribute('data-i'); if (i !== null) showTip(ev, +i); });
    g.addEventListener('mousemove', function (ev) { var i = ev.target.getAttribute('data-i'); if (i !== null) showTip(ev, +i); });
    g.addEventListener('mouseout', hideTip);
    g.addEventListener('click', function (ev) { var i = ev.target.getAttribute('data-i'); if (i !== null) { showTip(ev, +i); ev.stopPropagation(); } });
    svg.setAttribute('data-drawn', 'true');
  }

  function drawMaps() {
    if (!data.map) return;
    drawMap('map-pca', data.map.pca);
    drawMap('map-tsne', data.map.tsne);
  }

  function wireLegend() {
    var legend = document.getElementById('legend');
    if (!legend) return;
    legend.addEventListener('mouseover', function (ev) {
      var li = ev.target.closest('li');
      if (!li) return;
      var c = li.getAttribute('data-class');
      document.querySelectorAll('svg.map').forEach(function (svg) {
        svg.classList.add('dim');
        svg.querySelectorAll('circle.pt').forEach(function (pt) { pt.classList.toggle('hl', pt.getAttribute('data-class') === c); });
      });
    });
    legend.addEventListener('mouseleave', function () {
      document.querySelectorAll('svg.map').forEach(function (svg) { svg.classList.remove('dim'); });
    });
    document.addEventListener('click', hideTip);
  }

  // ---- confusion ----
  function blues(t) {
    var a = [247, 251, 255], b = [8, 48, 107];
    return 'rgb(' + a.map(function (v, i) { return Math.round(v + (b[i] - v) * t); }).join(',') + ')';
  }

  function shortName(s) { return s.length > 16 ? s.slice(0, 15) + '…' : s; }

  function drawConfusion() {
    var svg = document.getElementById('confusion-matrix');
    if (!svg || !data.confusion) return;
    clear(svg);
    var counts = data.confusion, n = counts.length;
    var names = data.classes.map(shortName);
    var labelW = Math.min(150, Math.max.apply(null, names.map(textWidth)) + 8);
    var avail = svg.parentNode.getBoundingClientRect().width - labelW - 10;
    var cell = Math.max(6, Math.min(44, Math.floor(avail / n)));
    var stride = Math.ceil(15 / cell);
    var width = labelW + n * cell + 2, height = labelW + n * cell + 2;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.style.width = width + 'px';
    var g = el(svg, 'g', { 'class': 'cells' });
    for (var r = 0; r < n; r++) {
      var total = counts[r].reduce(function (x, y) { return x + y; }, 0);
      for (var c = 0; c < n; c++) {
        var frac = total > 0 ? counts[r][c] / total : 0;
        var x = labelW + c * cell, y = labelW + r * cell;
        var rect = el(g, 'rect', { 'class': 'cell', x: x, y: y, width: cell, height: cell, fill: blues(frac), stroke: '#fff', 'stroke-width': cell > 10 ? 1 : 0, 'data-row': r, 'data-col': c, 'data-count': counts[r][c] });
        el(rect, 'title', null, data.classes[r] + ' → ' + data.classes[c] + ': ' + counts[r][c] + ' of ' + total + (total ? ' (' + (100 * frac).toFixed(1) + '%)' : ''));
        if (counts[r][c] > 0 && textWidth(counts[r][c]) + 4 <= cell && cell >= 18) {
          el(g, 'text', { 'class': 'cell-count', x: x + cell / 2, y: y + cell / 2, 'text-anchor': 'middle', 'dominant-baseline': 'central', fill: frac > 0.5 ? '#fff' : '#1d2330', style: 'fill:' + (frac > 0.5 ? '#fff' : '#1d2330') }, counts[r][c]);
        }
      }
    }
    var labels = el(svg, 'g', { 'class': 'labels' });
    for (var i = 0; i < n; i += stride) {
      el(labels, 'text', { 'class': 'row-label', x: labelW - 5, y: labelW + i * cell + cell / 2, 'text-anchor': 'end', 'dominant-baseline': 'central' }, names[i]);
      var cx = labelW + i * cell + cell / 2;
      el(labels, 'text', { 'class': 'col-label', transform: 'translate(' + cx + ',' + (labelW - 5) + ') rotate(-90)', 'text-anchor': 'start', 'dominant-baseline': 'central' }, names[i]);
    }
    svg.setAttribute('data-drawn', 'true');
  }

  // ---- ROC ----
  function drawRoc() {
    var svg = document.getElementById('roc-curve');
    if (!svg || !data.roc) return;
    clear(svg);
    var roc = data.roc;
    var minPos = 1;
    roc.fpr.forEach(function (v) { if (v > 0) minPos = Math.min(minPos, v); });
    var lo = Math.min(1e-4, Math.pow(10, Math.floor(Math.log10(minPos))));
    lo = Math.max(lo, 1e-6);
    var f = frame(svg, Math.round(Math.min(340, Math.max(220, widthOf(svg) * 0.6))), { lo: lo, hi: 1, log: true, label: 'false-accept rate (FAR)' }, { lo: 0, hi: 1, label: 'true-accept rate (TAR)' });
    var chance = [];
    for (var k = 0; k <= 60; k++) { var v = Math.pow(10, Math.log10(lo) * (1 - k / 60)); chance.push(f.sx(v).toFixed(1) + ',' + f.sy(v).toFixed(1)); }
    el(svg, 'polyline', { 'class': 'chance', points: chance.join(' ') });
    var d = roc.fpr.map(function (x, i) { return (i ? 'L' : 'M') + f.sx(x).toFixed(1) + ',' + f.sy(roc.tpr[i]).toFixed(1); }).join('');
    el(svg, 'path', { 'class': 'roc-curve', d: d, 'data-points': roc.fpr.length });
    if (roc.tar !== null && roc.tar !== undefined) {
      var px = f.sx(roc.far), py = f.sy(roc.tar);
      el(svg, 'line', { 'class': 'guide', x1: px, x2: px, y1: py, y2: f.top + f.height });
      el(svg, 'line', { 'class': 'guide', x1: f.left, x2: px, y1: py, y2: py });
      el(svg, 'circle', { 'class': 'roc-point', cx: px, cy: py, r: 5, 'data-far': roc.far, 'data-tar': roc.tar });
      var label = 'TAR ' + fmt(roc.tar) + ' at FAR 1e-3';
      var right = px + 8 + textWidth(label) <= f.left + f.width;
      var below = py < f.top + 24;
      el(svg, 'text', { 'class': 'roc-label', x: right ? px + 8 : px - 8, y: below ? py + 18 : py - 9, 'text-anchor': right ? 'start' : 'end' }, label);
    }
    svg.setAttribute('data-drawn', 'true');
  }

  function renderAll() {
    [drawCurves, drawHistograms, drawMaps, drawConfusion, drawRoc].forEach(function (draw) {
      try { draw(); } catch (err) { console.error('report: ' + draw.name + ' failed: ' + (err && err.stack ? err.stack : err)); }
    });
    document.body.setAttribute('data-rendered', 'true');
  }

  var lastWidth = window.innerWidth, pending = 0;
  window.addEventListener('resize', function () {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(pending);
    pending = setTimeout(renderAll, 120);
  });
  wireLegend();
  renderAll();
})();
