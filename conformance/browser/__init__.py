"""Browser tests of the pages for people: headless Chromium (Playwright for Python) against oid4vc serve."""
