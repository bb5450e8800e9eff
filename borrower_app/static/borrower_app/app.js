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

function fail(problem) { showProblem(problem); }

const pages = {
  home: () => requireSignIn(() => home().catch(fail)),
  quote: () => quotePage().catch(fail),
  loan: () => { loanForms(); requireSignIn(() => loanPage().catch(fail)); },
};
pages[document.body.dataset.page]?.();
