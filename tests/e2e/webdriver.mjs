// A small W3C WebDriver client over fetch: just what the app's end-to-end
// test needs, with no dependencies. Talks to tauri-driver, which hands the
// session to WebKitWebDriver and the real app window.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriver {
  constructor(base, sessionId) {
    this.base = base;
    this.sessionId = sessionId;
  }

  static async request(base, method, path, body) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json.value ?? json)}`);
      error.webdriver = json.value;
      throw error;
    }
    return json.value;
  }

  /**
   * Starts a session on `application`. The capabilities MUST be inside
   * `alwaysMatch`: otherwise WebKitWebDriver silently opens a MiniBrowser at
   * about:blank and every test "passes" on nothing.
   */
  static async start(base, application, args = []) {
    const value = await WebDriver.request(base, "POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application, args } } },
    });
    return new WebDriver(base, value.sessionId);
  }

  call(method, path, body) {
    return WebDriver.request(this.base, method, `/session/${this.sessionId}${path}`, body);
  }

  quit() {
    return this.call("DELETE", "");
  }

  title() {
    return this.call("GET", "/title");
  }

  url() {
    return this.call("GET", "/url");
  }

  execute(script, args = []) {
    return this.call("POST", "/execute/sync", { script, args });
  }

  async find(css) {
    const value = await this.call("POST", "/element", { using: "css selector", value: css });
    return value[ELEMENT];
  }

  async findAll(css) {
    const value = await this.call("POST", "/elements", { using: "css selector", value: css });
    return value.map((v) => v[ELEMENT]);
  }

  click(element) {
    return this.call("POST", `/element/${element}/click`, {});
  }

  type(element, text) {
    return this.call("POST", `/element/${element}/value`, { text });
  }

  text(element) {
    return this.call("GET", `/element/${element}/text`);
  }

  attribute(element, name) {
    return this.call("GET", `/element/${element}/attribute/${name}`);
  }

  /** Presses `key` (a character or a WebDriver key code) with Control held if `ctrl`. */
  press(key, { ctrl = false } = {}) {
    const CONTROL = "\uE009";
    const actions = [];
    if (ctrl) actions.push({ type: "keyDown", value: CONTROL });
    actions.push({ type: "keyDown", value: key }, { type: "keyUp", value: key });
    if (ctrl) actions.push({ type: "keyUp", value: CONTROL });
    return this.call("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
  }

  screenshot() {
    return this.call("GET", "/screenshot");
  }

  /** Polls `probe` until it returns a truthy value or the deadline passes. */
  async until(what, probe, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        const value = await probe();
        if (value) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Waits for `css` to exist; returns the element. */
  waitFor(css, timeoutMs) {
    return this.until(css, () => this.find(css), timeoutMs);
  }

  /** Waits until the text of `css` contains `expected`; returns the text. */
  waitForText(css, expected, timeoutMs) {
    return this.until(
      `${css} to contain ${JSON.stringify(expected)}`,
      async () => {
        const text = await this.text(await this.find(css));
        return text.includes(expected) ? text : null;
      },
      timeoutMs,
    );
  }
}
