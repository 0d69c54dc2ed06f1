// Each role's journey through the web console on the demo province, in headless Chromium. The
// figures a page shows are checked against the API's own answers; a screenshot of each main page
// is kept in $SCREENSHOTS. The tests run in order: the lead's need is the SME's quote's need.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOTS;
const PASSWORD = "peitao-demo-2026";
const PARK = "park.xiangyang@peitao.demo";
const LEAD = "lead1@peitao.demo";
const SME = "sme1@peitao.demo";
const ADMIN = "admin@peitao.demo";

let browser;
const journey = {};

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh browser context (its own cookies), with every console error and CSP report kept. */
async function newPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") page.problems.push(message.text());
  });
  page.on("pageerror", (error) => page.problems.push(String(error)));
  return page;
}

async function signIn(email, viewport) {
  const page = await newPage(viewport);
  await page.goto(`${BASE}/login`);
  await page.getByLabel(/电子邮箱|E-mail/).fill(email);
  await page.getByLabel(/^(密码|Password)$/).fill(PASSWORD);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith("/login")), page.locator("form button.primary").click()]);
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const tokens = new Map();

/** The API's answer for `email`, with a bearer token as any API client would (one sign-in per
 * account: the sign-in rate limit counts every attempt). */
async function api(email, path, init = {}) {
  if (!tokens.has(email)) {
    const login = await fetch(`${BASE}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(login.status, 200, `API sign-in of ${email}`);
    tokens.set(email, (await login.json()).access_token);
  }
  const token = tokens.get(email);
  const response = await fetch(`${BASE}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
  return { status: response.status, body: response.status < 300 ? await response.json() : null };
}

const percent = (rate) => (rate === null ? "—" : `${(rate * 100).toFixed(1)}%`);

async function funnelCount(page, stage) {
  return Number(await page.locator(`#funnel [data-stage="${stage}"]`).innerText());
}

test("each role signs in and lands on its home page", async () => {
  for (const [email, home, name] of [
    [PARK, "/park", "park-home"],
    [LEAD, "/lead/needs", "lead-needs"],
    [SME, "/sme/matches", "sme-matches"],
    [ADMIN, "/park", "admin-home"],
  ]) {
    const page = await signIn(email);
    assert.equal(new URL(page.url()).pathname, home, `${email} lands on ${home}`);
    await shot(page, name);
    assert.deepEqual(page.problems, [], `no console errors for ${email}`);
    await page.context().close();
  }
});

test("a wrong password shows the API's reason, in Chinese by default", async () => {
  const page = await newPage();
  await page.goto(`${BASE}/login`);
  await page.getByLabel("电子邮箱").fill(LEAD);
  await page.getByLabel("密码").fill("not-the-password");
  await page.locator("form button.primary").click();
  await page.waitForSelector("[role=alert]");
  assert.match(await page.locator("[role=alert]").innerText(), /邮箱或密码错误/);
  assert.equal(new URL(page.url()).pathname, "/login");
  await page.context().close();
});

test("the park overview shows the API's supporting rate, baseline and funnel, and draws its charts", async () => {
  const page = await signIn(PARK);
  const { body } = await api(PARK, "/api/v1/stats/overview");
  assert.equal(await page.locator("#rate-now").innerText(), percent(body.supporting_rate.current.rate));
  assert.equal(await page.locator("#rate-baseline").innerText(), percent(body.supporting_rate.baseline.rate));
  for (const stage of body.funnel.stages) {
    assert.equal(await funnelCount(page, stage.stage), stage.count, `funnel stage ${stage.stage}`);
  }
  assert.ok((await page.locator("#gaps tbody tr").count()) > 0, "the demo park has gaps");
  await page.waitForSelector(".chart svg");
  assert.equal(await page.locator(".chart svg").count(), 2, "the trend and funnel charts are drawn");
  const download = await Promise.all([page.waitForEvent("download"), page.getByText(/概览（XLSX）/).click()]);
  assert.match(download[0].suggestedFilename(), /^peitao-overview-.*\.xlsx$/);
  await shot(page, "park-overview");
  assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  await page.context().close();
});

test("English is one click away and stays chosen", async () => {
  const page = await signIn(PARK);
  await page.getByRole("link", { name: "English" }).click();
  await page.waitForSelector("h1:has-text('Supporting-rate overview')");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.goto(`${BASE}/park`);
  assert.equal(await page.locator("h1").innerText(), "Supporting-rate overview");
  await shot(page, "park-overview-en");
  await page.context().close();
});

test("a lead creates and publishes a need and sees ranked, explained matches", async () => {
  const capabilities = await api(SME, "/api/v1/suppliers/me/capabilities");
  const category = capabilities.body.items[0].category_code;
  journey.before = (await api(LEAD, "/api/v1/stats/overview")).body;
  const page = await signIn(LEAD);
  await page.goto(`${BASE}/lead/needs/new`);
  const deadline = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
  const title = `浏览器测试需求 ${Date.now()}`;
  await page.getByLabel("标题").fill(title);
  await page.getByLabel("品类").selectOption(category);
  await page.getByLabel("数量").fill("10");
  await page.getByLabel("单位").fill(capabilities.body.items[0].unit);
  await page.getByLabel("预估金额（元）").fill("50000");
  await page.getByLabel("报价截止").fill(deadline);
  await shot(page, "lead-new-need");
  await Promise.all([page.waitForURL(/\/lead\/needs\/\d+$/), page.getByRole("button", { name: "创建并发布" }).click()]);
  journey.need = Number(new URL(page.url()).pathname.split("/").pop());
  assert.equal(await page.locator("#need-status").innerText(), "已发布");
  const matches = (await api(LEAD, `/api/v1/needs/${journey.need}/matches`)).body.items;
  assert.ok(matches.length > 0, "the API ranks suppliers for the new need");
  const rows = page.locator("#matches tbody tr");
  assert.equal(await rows.count(), matches.length, "the page lists the API's matches");
  assert.match(await rows.first().innerText(), new RegExp(matches[0].score.toFixed(2)));
  await rows.first().locator("a").click();
  await page.waitForSelector("#explanation h3");
  assert.match(await page.locator("#explanation").innerText(), new RegExp(matches[0].name));
  await shot(page, "lead-need-matches");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the SME finds the need among its matches and quotes", async () => {
  const page = await signIn(SME);
  const row = page.locator(`#sme-matches tr[data-need="${journey.need}"]`);
  assert.equal(await row.count(), 1, "the new need is ranked for the SME");
  await row.locator("a").click();
  await page.getByLabel("单价（元）").fill("4800");
  await page.getByLabel("交期（天）").fill("20");
  await shot(page, "sme-quote");
  await Promise.all([page.waitForURL(/\/sme\/quotes$/), page.getByRole("button", { name: "提交报价" }).click()]);
  const mine = (await api(SME, "/api/v1/suppliers/me/quotes")).body.items.find((quote) => quote.need_id === journey.need);
  assert.ok(mine, "the API has the quote");
  journey.quote = mine.id;
  assert.match(await page.locator(`tr[data-quote="${mine.id}"]`).innerText(), /已提交/);
  await shot(page, "sme-quotes");
  await page.context().close();
});

test("the SME filters the need directory, as the API filters GET /needs", async () => {
  const page = await signIn(SME);
  await page.getByRole("link", { name: "需求大厅" }).click();
  await page.waitForURL(/\/sme\/needs$/);
  const all = (await api(SME, "/api/v1/needs?limit=100")).body.items;
  assert.equal(await page.locator("#directory tbody tr").count(), all.length);
  const category = all[0].category_code;
  await page.getByLabel("品类").selectOption(category);
  await Promise.all([page.waitForURL(/category=/), page.getByRole("button", { name: "筛选" }).click()]);
  await page.waitForFunction((n) => document.querySelectorAll("#directory tbody tr").length === n,
    (await api(SME, `/api/v1/needs?limit=100&category=${category}`)).body.items.length);
  await shot(page, "sme-directory");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the lead awards the quote and the figures move", async () => {
  const page = await signIn(LEAD);
  await page.goto(`${BASE}/park`);
  const dealsBefore = await funnelCount(page, "deals");
  assert.equal(dealsBefore, journey.before.funnel.stages.find((stage) => stage.stage === "deals").count);
  await page.goto(`${BASE}/lead/needs/${journey.need}`);
  const quote = page.locator(`[data-quote="${journey.quote}"]`);
  await Promise.all([page.waitForURL(/\/lead\/needs\/\d+$/), quote.getByRole("button", { name: "授标" }).click()]);
  assert.equal(await page.locator("#need-status").innerText(), "已授标");
  await shot(page, "lead-need-awarded");
  await page.goto(`${BASE}/park`);
  assert.equal(await funnelCount(page, "deals"), dealsBefore + 1, "one more deal in the funnel");
  const after = (await api(LEAD, "/api/v1/stats/overview")).body;
  assert.equal(await page.locator("#rate-now").innerText(), percent(after.supporting_rate.current.rate));
  assert.ok(after.supporting_rate.deals.total_fen > journey.before.supporting_rate.deals.total_fen);
  await shot(page, "lead-figures-after-award");
  await page.context().close();

  const sme = await signIn(SME);
  await sme.goto(`${BASE}/sme/quotes`);
  assert.match(await sme.locator(`tr[data-quote="${journey.quote}"]`).innerText(), /中标/);
  await sme.context().close();
});

test("the platform administrator imports a file and sees a refused one's lines", async () => {
  const page = await signIn(ADMIN);
  await page.getByRole("link", { name: "数据导入" }).click();
  await page.getByLabel("导入内容").selectOption("taxonomy");
  const bad = "code,name,parent\nbrowser.x,X,\nbrowser.y,Y,nowhere\n";
  await page.getByLabel("选择文件").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await page.waitForFunction(() => document.getElementById("file").value.includes("nowhere"));
  await page.getByRole("button", { name: "导入" }).click();
  await page.waitForSelector("#problems");
  assert.match(await page.locator("#problems tbody tr").first().innerText(), /^3\s/);
  await shot(page, "admin-import-refused");
  page.problems = []; // the refused file's page is a 422, as the API answers
  await page.getByLabel("文件内容").fill("code,name,parent\nbrowser.x,X,\nbrowser.y,Y,browser.x\n");
  await page.getByRole("button", { name: "导入" }).click();
  await page.waitForSelector("#imported");
  assert.match(await page.locator("#imported").innerText(), /2$/);
  const category = await fetch(`${BASE}/api/v1/categories/browser.y`);
  assert.equal(category.status, 200);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("a form posted without its CSRF token is refused and changes nothing", async () => {
  const page = await signIn(LEAD);
  const before = (await api(LEAD, "/api/v1/needs?limit=100")).body.items.length;
  const response = await page.request.post(`${BASE}/lead/needs`, {
    form: { title: "forged", category_code: "auto", quantity: "1", unit: "pcs" },
    maxRedirects: 0,
  });
  assert.equal(response.status(), 403);
  assert.match(await response.text(), /表单已失效或来源不明/);
  assert.equal((await api(LEAD, "/api/v1/needs?limit=100")).body.items.length, before);
  await page.context().close();
});

test("an SME cannot open the park overview, as the API refuses it its statistics", async () => {
  assert.equal((await api(SME, "/api/v1/stats/overview")).status, 403);
  const page = await signIn(SME);
  const response = await page.goto(`${BASE}/park`);
  assert.equal(response.status(), 403);
  assert.match(await page.locator(".error-message").innerText(), /无权/);
  await shot(page, "sme-park-refused");
  await page.context().close();
});

test("the park administrator sees the chain map drawn, coloured by coverage, with the API's figures", async () => {
  const page = await signIn(PARK);
  await page.getByRole("link", { name: "产业链图谱" }).click();
  await page.waitForURL(/\/park\/chains/);
  const chains = (await api(PARK, "/api/v1/chains")).body.items;
  const graph = (await api(PARK, `/api/v1/chains/${chains[0].id}/graph`)).body;
  const rows = page.locator("#chain-nodes tbody tr");
  assert.equal(await rows.count(), graph.nodes.length, "one row per node of the API's graph");
  for (const node of graph.coverage) {
    const row = page.locator(`#chain-nodes tr[data-category="${node.category_code}"]`);
    assert.equal(Number(await row.locator("[data-suppliers]").innerText()), node.in_province_suppliers, node.category_code);
    const expected = node.in_province_suppliers === 0 ? "coverage-gap" : node.in_province_suppliers < 3 ? "coverage-thin" : "coverage-covered";
    assert.equal(await row.locator(`.${expected}`).count(), 1, `${node.category_code} is ${expected}`);
  }
  await page.waitForSelector(".chart svg");
  assert.ok((await page.locator(".chart svg path").count()) > 0, "the graph is drawn");
  await shot(page, "park-chain-map");
  assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  await page.context().close();
});

test("the park administrator verifies one of its organisations (or withdraws it) with a note the API keeps", async () => {
  const page = await signIn(PARK);
  await page.getByRole("link", { name: "企业认证" }).click();
  await page.waitForURL(/\/organizations/);
  await shot(page, "park-organizations");
  await page.getByRole("link", { name: "全部" }).click();
  await page.waitForURL(/show=all/);
  const row = page.locator("#organizations tbody tr").first();
  assert.equal(await row.count(), 1, "the demo park has organisations");
  const id = Number(await row.getAttribute("data-organization"));
  const before = (await api(PARK, `/api/v1/organizations/${id}`)).body.verified;
  const note = `浏览器测试 ${Date.now()}`;
  await row.locator("input[name=note]").first().fill(note);
  await Promise.all([page.waitForURL(/done=/), row.locator("button").first().click()]);
  assert.match(await page.locator("#done").innerText(), new RegExp(`#${id}`));
  assert.equal((await api(PARK, `/api/v1/organizations/${id}`)).body.verified, !before);
  const history = (await api(PARK, `/api/v1/organizations/${id}/history`)).body.items;
  assert.equal(history.at(-1).note, note);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the platform administrator sees the users and every park's organisations", async () => {
  const page = await signIn(ADMIN);
  await page.getByRole("link", { name: "用户" }).click();
  await page.waitForURL(/\/admin\/users/);
  assert.match(await page.locator("#users").innerText(), new RegExp(LEAD.replace(".", "\\.")));
  await page.getByLabel("角色").selectOption("sme");
  await Promise.all([page.waitForURL(/role=sme/), page.getByRole("button", { name: "筛选" }).click()]);
  assert.doesNotMatch(await page.locator("#users").innerText(), /lead1@/);
  await shot(page, "admin-users");
  await page.goto(`${BASE}/organizations?show=all`);
  assert.ok((await page.locator("#organizations tbody tr").count()) > 0);
  await shot(page, "admin-organizations");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the lead uploads a bill of materials, sees a refused file's lines, then the coverage the API computes", async () => {
  const capabilities = await api(SME, "/api/v1/suppliers/me/capabilities");
  const category = capabilities.body.items[0].category_code;
  const page = await signIn(LEAD);
  await page.getByRole("link", { name: "物料清单" }).click();
  await page.waitForURL(/\/lead\/boms$/);
  const header = "category_code,description,annual_value_fen,current_supplier_region\n";
  await page.getByLabel("名称").fill("浏览器测试清单");
  await page.getByLabel(/^文件/).setInputFiles({ name: "bad.csv", mimeType: "text/csv",
    buffer: Buffer.from(`${header}${category},零件,500000,110108\nnowhere,螺栓,5,110108\n`) });
  await page.getByRole("button", { name: "上传" }).click();
  await page.waitForSelector("#problems");
  assert.match(await page.locator("#problems tbody tr").first().innerText(), /^3\s/);
  await shot(page, "lead-bom-refused");
  page.problems = []; // the refused file's page is a 422, as the API answers
  await page.getByLabel(/^文件/).setInputFiles({ name: "plan.csv", mimeType: "text/csv",
    buffer: Buffer.from(`${header}${category},零件,500000,110108\n${category},配件,100000,420606\n`) });
  await Promise.all([page.waitForURL(/\/lead\/boms\/\d+$/), page.getByRole("button", { name: "上传" }).click()]);
  const id = Number(new URL(page.url()).pathname.split("/").pop());
  const coverage = (await api(LEAD, `/api/v1/boms/${id}/coverage`)).body;
  assert.equal(await page.locator("#current-rate").innerText(), percent(coverage.current_rate));
  assert.equal(await page.locator("#potential-rate").innerText(), percent(coverage.potential_rate));
  assert.equal(await page.locator("#coverage tbody tr").count(), coverage.lines.length);
  await shot(page, "lead-bom-coverage");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the lead records delivery, the SME hears it live, and its scorecard counts it", async () => {
  const deal = (await api(LEAD, "/api/v1/deals")).body.items.find((item) => item.need_id === journey.need);
  assert.ok(deal, "the award made a deal");
  const scoreBefore = (await api(SME, `/api/v1/suppliers/${deal.supplier_id}`)).body.scorecard.fulfilled_deals;
  const sme = await signIn(SME);
  await sme.goto(`${BASE}/deals`);
  assert.equal(await sme.locator(`tr[data-deal="${deal.id}"] form`).count(), 0, "the supplier records nothing");
  assert.ok(await sme.locator("#live-notice").isHidden());
  // The stream is open once the page has loaded; give it a moment to connect.
  await sme.waitForTimeout(500);

  const page = await signIn(LEAD);
  await page.getByRole("link", { name: "成交与履约" }).click();
  await page.waitForURL(/\/deals$/);
  const row = page.locator(`tr[data-deal="${deal.id}"]`);
  await row.getByLabel("质量评分").selectOption("4");
  await shot(page, "lead-deals");
  await Promise.all([page.waitForURL(/done=/), row.getByRole("button", { name: "记录交付" }).click()]);
  const after = (await api(LEAD, `/api/v1/deals/${deal.id}`)).body;
  assert.equal(after.status, "fulfilled");
  assert.equal(after.quality_rating, 4);
  assert.match(await page.locator(`tr[data-deal="${deal.id}"]`).innerText(), /已履约/);

  await sme.waitForSelector("#live-notice:not([hidden])", { timeout: 15000 });
  assert.match(await sme.locator("#live-notice").innerText(), /新的动态/);
  await shot(sme, "sme-deals-live-notice");
  await sme.locator("#live-notice a").click();
  await sme.waitForSelector(`tr[data-deal="${deal.id}"]`);
  assert.match(await sme.locator(`tr[data-deal="${deal.id}"]`).innerText(), /已履约/);

  await sme.getByRole("link", { name: "企业档案" }).click();
  await sme.waitForURL(/\/sme\/profile$/);
  const profile = (await api(SME, `/api/v1/suppliers/${deal.supplier_id}`)).body;
  assert.equal(profile.scorecard.fulfilled_deals, scoreBefore + 1);
  assert.equal(Number(await sme.locator("#fulfilled-deals").innerText()), profile.scorecard.fulfilled_deals);
  assert.equal(await sme.locator("#certifications tbody tr").count(), profile.certifications.length);
  // Expired, or ending within 60 days: flagged.
  const soon = new Date(Date.now() + 60 * 86400e3).toISOString().slice(0, 10);
  const flagged = profile.certifications.filter((c) => c.valid_until <= soon).length;
  assert.equal(await sme.locator("#certifications tr.expired, #certifications tr.expiring").count(), flagged);
  await shot(sme, "sme-profile");
  assert.deepEqual(sme.problems, []);
  assert.deepEqual(page.problems, []);
  await sme.context().close();
  await page.context().close();
});

test("the main pages fit a phone's width: wide tables scroll inside their box", async () => {
  const phone = { width: 390, height: 844 };
  for (const [email, path, name] of [
    [PARK, "/park", "phone-park"],
    [LEAD, `/lead/needs/${journey.need}`, "phone-lead-need"],
    [SME, "/sme/quotes", "phone-sme-quotes"],
    [PARK, "/park/chains", "phone-park-chains"],
    [LEAD, "/deals", "phone-lead-deals"],
    [SME, "/sme/profile", "phone-sme-profile"],
  ]) {
    const page = await signIn(email, phone);
    await page.goto(`${BASE}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the phone`);
    await shot(page, name);
    await page.context().close();
  }
});

test("signing out ends the session", async () => {
  const page = await signIn(SME);
  await Promise.all([page.waitForURL(/\/login$/), page.getByRole("button", { name: "退出登录" }).click()]);
  await page.goto(`${BASE}/sme/quotes`);
  assert.equal(new URL(page.url()).pathname, "/login");
  await page.context().close();
});
