#!/usr/bin/python3
"""Drives a real Chromium (headless, through chromedriver) through Berth's
web UI as a person would, for WebUIBrowserTests.

Usage: browser-check.py BASE_URL USER PASSWORD REPOSITORY

Signs in from the keyboard, walks projects -> project -> repository ->
artifact -> search, and on every page checks: the page's title, no
Content-Security-Policy violation or script error in the console, and an
axe-core run with no serious or critical violation. It also checks a
phone's width (no sideways scrolling), dark mode, the live filter and the
copy button. With BERTH_UI_SCREENSHOTS set to a folder, each checked
page is saved there as a PNG. Prints one line per finding; exits 1 if there was any.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import axe_core_python

base, user, password, repository = sys.argv[1:5]
problems = []
AXE = open(os.path.join(os.path.dirname(axe_core_python.__file__), "axe.min.js")).read()


def problem(text):
    problems.append(text)
    print("PROBLEM: " + text, flush=True)


def start():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
                     "--no-first-run", "--disable-extensions"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def console_errors(driver, page):
    for entry in driver.get_log("browser"):
        # A 404 the page asked for is the server's answer, not a script error; anything else severe is.
        if entry.get("level") == "SEVERE":
            problem(f"{page}: console: {entry.get('message')}")


def check_page(driver, page, title_part):
    if title_part not in driver.title:
        problem(f"{page}: title {driver.title!r} does not name {title_part!r}")
    driver.execute_script(AXE)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations))).catch(e => done('ERROR ' + e));")
    if result.startswith("ERROR"):
        problem(f"{page}: axe failed: {result}")
        return
    for violation in json.loads(result):
        if violation.get("impact") in ("serious", "critical"):
            targets = [node.get("target") for node in violation.get("nodes", [])][:3]
            problem(f"{page}: axe {violation['impact']}: {violation['id']}: {violation['help']} at {targets}")
    console_errors(driver, page)
    if os.environ.get("BERTH_UI_SCREENSHOTS"):
        driver.save_screenshot(os.path.join(os.environ["BERTH_UI_SCREENSHOTS"], page.replace(" ", "-") + ".png"))
    print(f"checked {page}: {driver.title}", flush=True)


def wait_for_url(driver, part):
    try:
        WebDriverWait(driver, 15).until(expected_conditions.url_contains(part))
    except Exception:
        problem(f"expected to reach {part}, at {driver.current_url}")


driver = start()
try:
    # Anonymous: sent to sign in, and back where it was going after.
    driver.get(base + "/projects")
    wait_for_url(driver, "/login")
    check_page(driver, "login", "Sign in")
    focused = driver.switch_to.active_element
    if focused.get_attribute("name") != "username":
        problem("the login page does not focus the username field")
    # From the keyboard only: type, Tab to the password, Enter.
    focused.send_keys(user)
    focused.send_keys(Keys.TAB)
    driver.switch_to.active_element.send_keys(password)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for_url(driver, "/projects")
    check_page(driver, "projects", "Projects")

    project = repository.split("/")[0]
    driver.find_element(By.CSS_SELECTOR, f'a[href="/projects/{project}"]').click()
    wait_for_url(driver, f"/projects/{project}")
    check_page(driver, "project", project)

    for tab, title in (("members", "Members"), ("policies", "Policies")):
        driver.find_element(By.CSS_SELECTOR, f'a[href="/projects/{project}/{tab}"]').click()
        wait_for_url(driver, f"/projects/{project}/{tab}")
        check_page(driver, tab, title)
    driver.find_element(By.CSS_SELECTOR, f'a[href="/projects/{project}"]').click()
    wait_for_url(driver, f"/projects/{project}")
    driver.find_element(By.CSS_SELECTOR, f'a[href="/repositories/{repository}"]').click()
    wait_for_url(driver, f"/repositories/{repository}")
    check_page(driver, "repository", repository)

    # The live filter hides rows whose tags do not match, and shows them again.
    rows = driver.find_elements(By.CSS_SELECTOR, "#artifact-list tbody tr")
    search = driver.find_element(By.ID, "filter")
    search.send_keys("no-such-tag")
    hidden = [row for row in rows if not row.is_displayed()]
    if len(hidden) != len(rows) or not rows:
        problem(f"the tag filter hid {len(hidden)} of {len(rows)} rows")
    search.send_keys(Keys.CONTROL + "a", Keys.DELETE)
    shown = [row for row in rows if row.is_displayed()]
    if len(shown) != len(rows):
        problem(f"emptying the tag filter shows {len(shown)} of {len(rows)} rows")

    # A phone's width: nothing wider than the screen.
    driver.set_window_size(390, 844)
    time.sleep(0.3)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:
        problem(f"the repository page scrolls sideways by {overflow} px at a phone's width")
    driver.set_window_size(1280, 900)

    # Dark mode follows the system.
    light = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    dark = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    if light == dark:
        problem(f"dark mode does not change the background ({light})")
    check_page(driver, "repository (dark)", repository)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})

    # The copy button copies (over plain HTTP: through a hidden text area) and says so.
    button = driver.find_element(By.CSS_SELECTOR, "button.copy")
    button.click()
    try:
        WebDriverWait(driver, 5).until(lambda d: button.text == "Copied")
    except Exception:
        problem(f"the copy button did not confirm (says {button.text!r})")

    link = driver.find_element(By.CSS_SELECTOR, "#artifact-list tbody tr a")
    link.click()
    wait_for_url(driver, "/artifacts/sha256:")
    check_page(driver, "artifact", repository)
    if "docker pull" not in driver.page_source:
        problem("the artifact page has no pull command")

    # Search, with suggestions while typing.
    box = driver.find_element(By.ID, "site-search")
    box.send_keys(repository.split("/")[-1][:3])
    try:
        WebDriverWait(driver, 5).until(
            lambda d: d.execute_script("return document.getElementById('search-suggestions').options.length") > 0)
    except Exception:
        problem("the search box offered no suggestions")
    box.send_keys(Keys.ENTER)
    wait_for_url(driver, "/search?q=")
    check_page(driver, "search", "Search")
    if f'href="/repositories/{repository}"' not in driver.page_source:
        problem("the search did not find the repository")

    # Signing out ends the session.
    driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
    wait_for_url(driver, "/login")
    driver.get(base + "/projects")
    wait_for_url(driver, "/login")
finally:
    driver.quit()

print(f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
