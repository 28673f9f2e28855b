namespace TripletSharp.Tests.Reporting;

/// <summary>
/// A fact that needs headless Chromium. Without one it is skipped with a message on a developer machine, but under CI
/// (CI=true) it runs and fails, because .ci/run installs the Debian package and a missing browser is a broken setup.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (CdpBrowser.FindChromium() is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Skip = "Chromium not found (looked at CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome). "
                 + "Install the Debian package: apt-get install -y chromium. Under CI=true this test fails instead.";
    }
}
