// The reference borrower app: every figure comes from the public consumer API (/api/v1/), with
// the borrower's token (kept for the browser tab only) and the page's language, so that
// problem details come back translated. No build step, no framework.
"use strict";

const API = document.body.dataset.api;
const LANG = document.documentElement.lang;
const LABELS = JSON.parse(document.getElementById("labels").textContent);
const $ = (selector) => document.querySelector(selector);

function token() { return sessionStorage.getItem("token"); }

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { "Accept-Language": LANG, Accept: "application/json", ...headers } };
  if (token()) init.headers.Authorization = `Token ${token()}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    if (response.status === 401) sessionStorage.removeItem("token");
    throw data;
  }
  return data;
}

function say(text) { $("#status").textContent = text; }

function showProblem(problem) {
  const box = $("#problem");
  const errors = problem && problem.errors
    ? " " + Object.entries(problem.errors).map(([field, messages]) => `${field}: ${messages.join(" ")}`).join("; ")
    : "";
  box.textContent = problem && problem.title ? `${problem.title} ${problem.detail || ""}${errors}` : String(problem);
  box.hidden = false;
  box.focus?.();
}

function clearProblem() { $("#problem").hidden = true; }

function percent(fraction, digits = 2) {
  return `${(Number(fraction) * 100).toFixed(digits)}%`;  // display only; amounts stay strings
}

function money(amount, currency = "CNY") { return amount === null || amount === undefined ? "—" : `${amount} ${currency}`; }

function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.append(td); }

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Sign-in: the token is asked once and kept in sessionStorage.
function requireSignIn(then) {
  const section = $("#signin");
  $("#sign-out").hidden = !token();
  if (token()) { then(); return; }
  section.hidden = false;
  $("#signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    try {
      const data = await api("POST", "/auth/token", { username: $("#username").value, password: $("#password").value });
      sessionStorage.setItem("token", data.token);
      section.hidden = true;
      $("#sign-out").hidden = false;
      then();
    } catch (problem) { showProblem(problem); }
  });
}

$("#sign-out").addEventListener("click", () => { sessionStorage.removeItem("token"); location.href = "/app/"; });

async function home() {
  const data = await api("GET", "/loans");
  $("#loans").hidden = false;
  const list = $("#loan-list");
  list.replaceChildren();
  $("#no-loans").hidden = data.results.length > 0;
  for (const loan of data.results) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/app/loans/${loan.id}/`;
    link.textContent = `${loan.reference} · ${loan.product.name} · ${money(loan.principal, loan.currency)}`;
    const next = loan.next_installment;
    const detail = document.createElement("p");
    detail.textContent = `${LABELS.status}: ${loan.status} · ${LABELS.next_due}: `
      + (next ? `${next.due_date} ${money(next.amount, loan.currency)}` : LABELS.nothing_due)
      + ` · ${LABELS.owed}: ${money(loan.amount_due_now, loan.currency)}`;
    item.append(link, detail);
    list.append(item);
  }
}

async function quotePage() {
  const products = await api("GET", "/products");
  const select = $("#product");
  for (const product of products) {
    const option = new Option(`${product.name} (${product.code})`, product.code);
    option.dataset.terms = JSON.stringify(product.terms || []);
    select.append(option);
  }
  const fillTerms = () => {
    const terms = JSON.parse(select.selectedOptions[0]?.dataset.terms || "[]");
    $("#term").replaceChildren(...(terms.length ? terms : [12]).map((term) => new Option(String(term), term)));
  };
  select.addEventListener("change", fillTerms);
  fillTerms();
  let quoted = null;
  $("#quote-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    try {
      const body = { product: select.value, principal: $("#principal").value, term: Number($("#term").value) };
      const quote = await api("POST", "/quotes", body);
      quoted = { ...body, disclosed_apr: quote.apr.nominal };
      showQuote(quote);
    } catch (problem) { showProblem(problem); }
  });
  $("#sign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    requireSignIn(async () => {
      clearProblem();
      try {
        const loan = await api("POST", "/loans", quoted);
        say(LABELS.signed);
        location.href = `/app/loans/${loan.id}/`;
      } catch (problem) { showProblem(problem); }
    });
  });
}

function showQuote(quote) {
  const currency = quote.currency;
  const totals = quote.totals;
  // The APR is shown first and in the same type as every other rate or fee (PBOC 2021 No. 3).
  $("#quote-apr").textContent = percent(quote.apr.nominal);
  $("#quote-rate").textContent = percent(quote.terms.annual_rate);
  const fees = (Number(totals.fee) + Number(totals.upfront_fee)).toFixed(2);
  $("#quote-fees").textContent = money(fees, currency);
  $("#quote-interest").textContent = money(totals.interest, currency);
  $("#quote-cost").textContent = money((Number(totals.interest) + Number(fees)).toFixed(2), currency);
  $("#quote-total").textContent = money(totals.total, currency);
  const cap = quote.rate_cap;
  $("#quote-cap").textContent = cap
    ? `${cap.within_cap ? LABELS.within_cap : LABELS.above_cap} (${LABELS.cap} ${percent(cap.cap)}, ${cap.rule})`
    : "—";
  const body = $("#quote-schedule tbody");
  body.replaceChildren();
  for (const row of quote.installments) {
    const tr = document.createElement("tr");
    [row.number, row.due_date, row.principal, row.interest, row.fee, row.total].forEach((text) => cell(tr, text));
    body.append(tr);
  }
  $("#quote-result").hidden = false;
  $("#sign-submit").disabled = cap ? !cap.within_cap : false;
}

async function loanPage() {
  const section = $("#loan");
  const id = section.dataset.loanId;
  const loan = await api("GET", `/loans/${id}`);
  section.hidden = false;
  const c = loan.currency;
  $("#loan-reference").textContent = loan.reference;
  $("#loan-status").textContent = loan.status;
  $("#loan-decision").textContent = LABELS[loan.status] || LABELS.decided;
  $("#loan-apr").textContent = `${percent(loan.apr.nominal)}` + (loan.apr.cap ? ` (≤ ${percent(loan.apr.cap)})` : "");
  $("#loan-balance").textContent = money(loan.balance.total, c);
  const next = loan.next_installment;
  $("#loan-next").textContent = next ? `${next.due_date} · ${money(next.amount, c)}` : LABELS.none;
  $("#loan-overdue").textContent = money(loan.amount_overdue, c);
  $("#loan-due-now").textContent = money(loan.amount_due_now, c);
  $("#loan-paid").textContent = `${loan.installments_paid} / ${loan.installments_total}`;
  $("#loan-payoff").textContent = money(loan.payoff_amount_today, c);
  const open = ["active", "delinquent"].includes(loan.status);
  $("#pay").hidden = !open;
  // A new key for each payment the page offers; a retry of the same submit reuses it, so a
  // payment is never taken twice.
  if (!$("#pay-key").value) $("#pay-key").value = newKey();
  $("#statement-link").href = `${API}/loans/${id}/statement?format=html`;
  const schedule = await api("GET", `/loans/${id}/schedule`);
  const body = $("#loan-schedule tbody");
  body.replaceChildren();
  for (const row of schedule) {
    const tr = document.createElement("tr");
    [row.number, row.due_date, row.total_due, row.total_paid, row.outstanding, row.status].forEach((text) => cell(tr, text));
    body.append(tr);
  }
}

function loanForms() {
  const id = $("#loan").dataset.loanId;
  $("#pay-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    const kind = document.querySelector("input[name=kind]:checked").value;
    try {
      await api("POST", `/loans/${id}/${kind}`, { amount: $("#pay-amount").value }, { "Idempotency-Key": $("#pay-key").value });
      $("#pay-key").value = newKey();
      $("#pay-amount").value = "";
      say(LABELS.paid);
      await loanPage();
    } catch (problem) { showProblem(problem); }
  });
  $("#holiday-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    try {
      await api("POST", `/loans/${id}/modifications`, { kind: "payment_holiday", installments: Number($("#holiday-installments").value) });
      say(LABELS.holiday);
    } catch (problem) { showProblem(problem); }
  });
}

// Credit: my applications with their decisions and reasons, applying for a line, and drawing
// down from a line (a fresh Idempotency-Key per drawdown the page offers, as for payments).
function decisionItem(application) {
  const item = document.createElement("li");
  item.className = "application";
  const decision = application.decision;
  const title = document.createElement("p");
  const outcome = decision ? LABELS[decision.outcome] || decision.outcome : LABELS.pending;
  title.textContent = `${application.reference} · ${application.product} · `
    + `${money(application.requested_amount, application.currency)} · ${outcome}`;
  title.className = "decision";
  item.append(title);
  if (decision && decision.reasons.length) {
    const heading = document.createElement("p");
    heading.textContent = `${LABELS.reasons}:`;
    const reasons = document.createElement("ul");
    reasons.className = "reasons";
    for (const reason of decision.reasons) {
      const li = document.createElement("li");
      li.textContent = `${reason.text} (${reason.code})`;
      reasons.append(li);
    }
    item.append(heading, reasons);
  }
  if (decision && decision.offer) {
    const offer = decision.offer;
    const line = document.createElement("p");
    line.className = "offer";
    // The APR comes first and as large as the rate (PBOC 2021 No. 3).
    line.textContent = `${LABELS.offer}: ${LABELS.apr} ${percent(offer.apr.nominal)} · `
      + `${LABELS.rate} ${percent(offer.annual_rate)} · ${LABELS.limit} ${money(offer.limit, offer.currency)}`;
    item.append(line);
  }
  return item;
}

async function creditPage(products) {
  $("#credit").hidden = false;
  const [applications, lines] = await Promise.all([api("GET", "/applications"), api("GET", "/credit-lines")]);
  const list = $("#application-list");
  list.replaceChildren(...applications.results.map(decisionItem));
  $("#no-applications").hidden = applications.results.length > 0;
  const open = lines.filter((line) => line.status === "active");
  $("#line-list").replaceChildren(...lines.map((line) => {
    const item = document.createElement("li");
    item.className = "credit-line";
    item.textContent = `${line.reference} · ${line.status} · ${LABELS.limit} ${money(line.limit, line.currency)} · `
      + `${LABELS.available} ${money(line.available, line.currency)} · ${LABELS.rate} ${percent(line.annual_rate)} · `
      + `${LABELS.expires} ${line.expires_on}`;
    return item;
  }));
  $("#no-lines").hidden = lines.length > 0;
  $("#draw-form").hidden = open.length === 0;
  const lineSelect = $("#draw-line");
  const chosen = lineSelect.value;
  lineSelect.replaceChildren(...open.map((line) => {
    const option = new Option(`${line.reference} (${LABELS.available} ${money(line.available, line.currency)})`, line.reference);
    option.dataset.types = JSON.stringify(line.product_types);
    return option;
  }));
  if (chosen) lineSelect.value = chosen;
  const fillProducts = () => {
    const types = JSON.parse(lineSelect.selectedOptions[0]?.dataset.types || "[]");
    const allowed = products.filter((product) => types.includes(product.product_type));
    $("#draw-product").replaceChildren(...allowed.map((product) => {
      const option = new Option(`${product.name} (${product.code})`, product.code);
      option.dataset.terms = JSON.stringify(product.terms || []);
      return option;
    }));
    fillTerms($("#draw-product"), $("#draw-term"));
  };
  lineSelect.onchange = fillProducts;
  $("#draw-product").onchange = () => fillTerms($("#draw-product"), $("#draw-term"));
  fillProducts();
  if (!$("#draw-key").value) $("#draw-key").value = newKey();
}

function fillTerms(productSelect, termSelect) {
  const terms = JSON.parse(productSelect.selectedOptions[0]?.dataset.terms || "[]");
  termSelect.replaceChildren(...(terms.length ? terms : [12]).map((term) => new Option(String(term), term)));
}

async function creditForms() {
  const products = await api("GET", "/products");
  const select = $("#apply-product");
  select.replaceChildren(...products.map((product) => {
    const option = new Option(`${product.name} (${product.code})`, product.code);
    option.dataset.terms = JSON.stringify(product.terms || []);
    return option;
  }));
  select.addEventListener("change", () => fillTerms(select, $("#apply-term")));
  fillTerms(select, $("#apply-term"));
  $("#apply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    const consents = [...document.querySelectorAll("input[name=consents]:checked")].map((box) => box.value);
    const body = {
      product: select.value,
      kind: "credit_line",
      requested_amount: $("#apply-amount").value,
      requested_term: Number($("#apply-term").value),
      purpose: $("#apply-purpose").value,
      monthly_income: $("#apply-income").value,
      name: $("#apply-name").value,
      national_id: $("#apply-national-id").value,
      mobile: $("#apply-mobile").value,
      consents,
    };
    try {
      await api("POST", "/applications", body);
      say(LABELS.applied);
      await creditPage(products);
      $("#applications-title").scrollIntoView();
    } catch (problem) { showProblem(problem); }
  });
  $("#draw-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    const body = {
      product: $("#draw-product").value,
      amount: $("#draw-amount").value,
      term: Number($("#draw-term").value),
      payee: { name: $("#draw-payee-name").value, account_masked: $("#draw-payee-account").value },
    };
    try {
      const drawdown = await api("POST", `/credit-lines/${$("#draw-line").value}/drawdowns`, body,
        { "Idempotency-Key": $("#draw-key").value });
      $("#draw-key").value = newKey();
      $("#draw-amount").value = "";
      const link = $("#drawn-link");
      link.href = `/app/loans/${drawdown.loan_id}/`;
      link.textContent = `${drawdown.loan_reference} · ${money(drawdown.amount)} · ${LABELS.apr} ${percent(drawdown.apr_nominal)}`;
      $("#drawn").hidden = false;
      say(`${LABELS.drawn} ${drawdown.loan_reference}`);
      await creditPage(products);
    } catch (problem) { showProblem(problem); }
  });
  return products;
}

function fail(problem) { showProblem(problem); }

const pages = {
  home: () => requireSignIn(() => home().catch(fail)),
  quote: () => quotePage().catch(fail),
  loan: () => { loanForms(); requireSignIn(() => loanPage().catch(fail)); },
  credit: () => requireSignIn(() => creditForms().then(creditPage).catch(fail)),
};
pages[document.body.dataset.page]?.();
