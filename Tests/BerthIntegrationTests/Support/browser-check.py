#!/usr/bin/python3
"""Drives a real Chromium (headless, through chromedriver) through Berth's
web UI as people would, for WebUIBrowserTests.

Usage: browser-check.py BASE_URL setup|browse ADMIN_PASSWORD

- setup: the administrator signs in from the keyboard, creates the private
  project `shop`, adds `dev` as a developer and creates the robot account
  `ci`, whose secret it reads off the page and prints (`ROBOT-SECRET …`:
  the test pushes with it, with skopeo).
- browse: the administrator finds the pushed repository by search (with
  suggestions), opens the two-platform index (its platforms) and an image
  (its layers), sets an immutability rule, deletes a tag (confirming), sees
  the immutable tag refused, checks a phone's width, dark mode, the filter
  and the copy button, opens the administration pages and the audit log,
  and signs out. Then `outsider` (no role in `shop`)
  sees the project neither in pages nor in search, and a form posted
  without its CSRF token is refused.

On every page: its title, no script error or CSP violation in the console,
and axe-core with no serious or critical violation; with
BERTH_UI_SCREENSHOTS set to a folder, a PNG of the page there. Prints one
line per finding; exits 1 if there was any.
"""
import json
import os
import sys
import time

import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import axe_core_python

base, phase, admin_password = sys.argv[1:4]
problems = []
AXE = open(os.path.join(os.path.dirname(axe_core_python.__file__), "axe.min.js")).read()
SHOTS = os.environ.get("BERTH_UI_SCREENSHOTS")


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


def check_page(driver, page, title_part, status_ok=True):
    if title_part not in driver.title:
        problem(f"{page}: title {driver.title!r} does not name {title_part!r}")
    driver.execute_script(AXE)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations))).catch(e => done('ERROR ' + e));")
    if result.startswith("ERROR"):
        problem(f"{page}: axe failed: {result}")
    else:
        for violation in json.loads(result):
            if violation.get("impact") in ("serious", "critical"):
                targets = [node.get("target") for node in violation.get("nodes", [])][:3]
                problem(f"{page}: axe {violation['impact']}: {violation['id']}: {violation['help']} at {targets}")
    for entry in driver.get_log("browser"):
        # A page answered with 404 or 403 on purpose logs that status; anything else severe is a fault.
        message = entry.get("message", "")
        if entry.get("level") == "SEVERE" and not (not status_ok and "status of 40" in message):
            problem(f"{page}: console: {message}")
    if SHOTS:
        driver.save_screenshot(os.path.join(SHOTS, page.replace(" ", "-").replace("/", "-") + ".png"))
    print(f"checked {page}: {driver.title}", flush=True)


def wait_for_url(driver, part):
    try:
        WebDriverWait(driver, 15).until(expected_conditions.url_contains(part))
    except Exception:
        problem(f"expected to reach {part}, at {driver.current_url}")


def sign_in(driver, user, password, landing="/projects"):
    driver.get(base + landing)
    wait_for_url(driver, "/login")
    check_page(driver, f"login ({user})", "Sign in")
    focused = driver.switch_to.active_element
    if focused.get_attribute("name") != "username":
        problem("the login page does not focus the username field")
    # From the keyboard only: type, Tab to the password, Enter.
    focused.send_keys(user)
    focused.send_keys(Keys.TAB)
    driver.switch_to.active_element.send_keys(password)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for_url(driver, landing)


def sign_out(driver):
    driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
    wait_for_url(driver, "/login")
    driver.get(base + "/projects")
    wait_for_url(driver, "/login")


def submit(driver, form_selector, confirm=False):
    driver.find_element(By.CSS_SELECTOR, form_selector + ' button[type="submit"]').click()
    if confirm:
        WebDriverWait(driver, 15).until(expected_conditions.alert_is_present())
        driver.switch_to.alert.accept()


def setup(driver):
    sign_in(driver, "admin", admin_password)
    check_page(driver, "projects (empty)", "Projects")
    driver.find_element(By.ID, "project-name").send_keys("shop")
    submit(driver, 'form[action="/projects"]')
    wait_for_url(driver, "/projects/shop")
    check_page(driver, "project (empty)", "shop")
    if "docker push" not in driver.page_source:
        problem("an empty project does not say how to push to it")

    driver.find_element(By.CSS_SELECTOR, 'a[href="/projects/shop/members"]').click()
    wait_for_url(driver, "/projects/shop/members")
    driver.find_element(By.ID, "member-user").send_keys("dev")
    driver.find_element(By.CSS_SELECTOR, '#member-role option[value="developer"]').click()
    driver.find_element(By.ID, "member-user").send_keys(Keys.ENTER)
    wait_for_url(driver, "/projects/shop/members")
    check_page(driver, "members", "Members")
    if "developer" not in driver.find_element(By.TAG_NAME, "table").text and 'value="developer" selected' not in driver.page_source:
        problem("dev was not added as a developer")

    driver.find_element(By.CSS_SELECTOR, 'a[href="/projects/shop/robots"]').click()
    wait_for_url(driver, "/projects/shop/robots")
    driver.find_element(By.ID, "robot-name").send_keys("ci")
    driver.find_element(By.CSS_SELECTOR, 'input[name="push"]').click()
    driver.find_element(By.ID, "robot-name").send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "robot-secret"))
    check_page(driver, "robot secret", "Robot accounts")
    print("ROBOT-SECRET " + driver.find_element(By.ID, "robot-secret").text, flush=True)
    sign_out(driver)


def browse(driver):
    sign_in(driver, "admin", admin_password)
    # Search, with suggestions while typing.
    box = driver.find_element(By.ID, "site-search")
    box.send_keys("shop/a")
    try:
        WebDriverWait(driver, 15).until(
            lambda d: d.execute_script("return document.getElementById('search-suggestions').options.length") > 0)
    except Exception:
        problem("the search box offered no suggestions")
    box.send_keys(Keys.ENTER)
    wait_for_url(driver, "/search?q=")
    check_page(driver, "search", "Search")
    driver.find_element(By.CSS_SELECTOR, 'a[href="/repositories/shop/app"]').click()
    wait_for_url(driver, "/repositories/shop/app")
    check_page(driver, "repository", "shop/app")
    text = driver.find_element(By.ID, "artifact-list").text
    for platform in ("linux/amd64", "linux/arm64"):
        if platform not in text:
            problem(f"the artifact list does not show the index's platform {platform}")

    # The live filter hides rows whose tags do not match, and shows them again.
    rows = driver.find_elements(By.CSS_SELECTOR, "#artifact-list tbody tr")
    search = driver.find_element(By.ID, "filter")
    search.send_keys("no-such-tag")
    if [row for row in rows if row.is_displayed()]:
        problem("the tag filter did not hide the rows")
    search.send_keys(Keys.CONTROL + "a", Keys.DELETE)
    if len([row for row in rows if row.is_displayed()]) != len(rows):
        problem("emptying the tag filter does not show every row again")

    # A phone's width: nothing wider than the screen.
    driver.set_window_size(390, 844)
    time.sleep(0.3)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:
        problem(f"the repository page scrolls sideways by {overflow} px at a phone's width")
    if SHOTS:
        driver.save_screenshot(os.path.join(SHOTS, "repository-phone.png"))
    driver.set_window_size(1280, 900)

    # Dark mode follows the system.
    light = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    dark = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    if light == dark:
        problem(f"dark mode does not change the background ({light})")
    check_page(driver, "repository (dark)", "shop/app")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})

    # The copy button copies (over plain HTTP: through a hidden text area) and says so.
    button = driver.find_element(By.CSS_SELECTOR, "button.copy")
    button.click()
    try:
        WebDriverWait(driver, 15).until(lambda d: button.text == "Copied")
    except Exception:
        problem(f"the copy button did not confirm (says {button.text!r})")

    # The index: its platforms; one of its images: its layers.
    driver.find_element(By.XPATH, "//tr[.//span[text()='multi']]//a[contains(@href, '/artifacts/')]").click()
    wait_for_url(driver, "/artifacts/sha256:")
    check_page(driver, "index", "shop/app")
    if "Images of this index" not in driver.page_source or "linux/arm64" not in driver.page_source:
        problem("the index page does not list its platforms")
    driver.find_element(By.XPATH, "//tr[.//span[text()='linux/arm64']]//a").click()
    wait_for_url(driver, "/artifacts/sha256:")
    check_page(driver, "image", "shop/app")
    if "Layers" not in driver.page_source or "arm64" not in driver.page_source or "docker pull" not in driver.page_source:
        problem("the image page lacks its layers, platform or pull commands")

    # An immutability rule for 1.*, then: latest can be deleted, 1.0 cannot.
    driver.get(base + "/projects/shop/policies")
    check_page(driver, "policies", "Policies")
    driver.find_element(By.ID, "rule-tag").send_keys("1.*")
    driver.find_element(By.ID, "rule-tag").send_keys(Keys.ENTER)
    wait_for_url(driver, "/projects/shop/policies")
    if "1.*" not in driver.page_source:
        problem("the immutability rule is not listed")
    driver.get(base + "/repositories/shop/app")
    driver.find_element(By.XPATH, "//tr[.//span[text()='latest']]//a[contains(@href, '/artifacts/')]").click()
    wait_for_url(driver, "/artifacts/sha256:")
    check_page(driver, "artifact", "shop/app")
    submit(driver, 'form.delete:has(input[name="tag"][value="latest"])', confirm=True)
    wait_for_url(driver, "done=tag-deleted")
    if "The tag was deleted." not in driver.page_source or ">latest<" in driver.page_source:
        problem("deleting the tag latest did not show it gone")
    driver.find_element(By.XPATH, "//tr[.//span[text()='1.0']]//a[contains(@href, '/artifacts/')]").click()
    wait_for_url(driver, "/artifacts/sha256:")
    submit(driver, 'form.delete:has(input[name="tag"][value="1.0"])', confirm=True)
    WebDriverWait(driver, 10).until(lambda d: "immutable" in d.page_source)
    check_page(driver, "immutable tag refused", "403", status_ok=False)
    for path, page, title in (("/admin", "administration", "Administration"), ("/admin/users", "users", "Users"),
                              ("/admin/gc", "garbage collection", "Garbage collection"),
                              ("/admin/registries", "registries", "Registries"), ("/projects/shop/audit", "audit log", "Audit log")):
        driver.get(base + path)
        check_page(driver, page, title)
    sign_out(driver)

    # Someone without a role in shop sees nothing of it.
    sign_in(driver, "outsider", "outsider-pw")
    check_page(driver, "projects (outsider)", "Projects")
    if "/projects/shop" in driver.page_source:
        problem("an outsider sees the private project in the list")
    driver.get(base + "/projects/shop")
    check_page(driver, "private project (outsider)", "Not found", status_ok=False)
    driver.get(base + "/repositories/shop/app")
    if "Not found" not in driver.title:
        problem("an outsider reaches the private repository")
    driver.get(base + "/search?q=shop")
    if "shop/app" in driver.page_source:
        problem("an outsider finds the private repository by search")
    # A form posted without its token is refused, whoever's session sends it.
    cookies = "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in driver.get_cookies())
    forged = urllib.request.Request(base + "/projects", data=b"name=forged", method="POST", headers={
        "Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        status = urllib.request.urlopen(forged).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 403:
        problem(f"a form without its CSRF token answered {status}")
    sign_out(driver)


driver = start()
try:
    setup(driver) if phase == "setup" else browse(driver)
finally:
    driver.quit()

print(f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
