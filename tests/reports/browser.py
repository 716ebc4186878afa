"""Headless Chromium through selenium and the Debian chromedriver, isolated: fresh profile, no network
services, no first-run, and console errors collected through the browser log."""

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.settings import PROJECT_ROOT

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--window-size=1200,2400", "--hide-scrollbars"]


def ensure_chromium() -> tuple[str, str]:
    """(chromium, chromedriver), installing the Debian packages where missing (scripts/ensure-chromium.sh)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "ensure-chromium.sh")], check=True)
    return shutil.which("chromium"), shutil.which("chromedriver")


@contextmanager
def chromium() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = ensure_chromium()
    profile = tempfile.mkdtemp(prefix="liveperks-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot_dir() -> Path:
    folder = PROJECT_ROOT / ".data" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
