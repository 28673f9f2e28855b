#!/usr/bin/env Rscript
# Exports the item features of dslabs::movielens (Debian: apt-get install r-cran-dslabs) to a CSV of movieId,year,genres
# for 'triplet train --format interactions --item-features F --item-categorical genres' (genres are '|'-separated, as
# in MovieLens). The 5 films without a year get the median year. The data is not committed; run this to make it.
#   Rscript scripts/movielens-item-features.R [out.csv]     (default: data/movielens/items.csv)
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "data/movielens/items.csv"
suppressPackageStartupMessages(library(dslabs))
data("movielens", package = "dslabs")
items <- unique(movielens[, c("movieId", "year", "genres")])
items$year[is.na(items$year)] <- median(items$year, na.rm = TRUE)
items$genres <- as.character(items$genres)
dir.create(dirname(out), recursive = TRUE, showWarnings = FALSE)
tmp <- paste0(out, ".tmp")
write.csv(items[order(items$movieId), ], tmp, row.names = FALSE, quote = FALSE)
invisible(file.rename(tmp, out))
cat(sprintf("wrote %d films to %s\n", nrow(items), out))
