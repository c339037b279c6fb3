// tunedd chat page: plain JS, no build step. Talks to the same API any client uses.
"use strict";

const $ = (id) => document.getElementById(id);
let conversationId = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function setStatus(text) { $("status").textContent = text; }

async function api(path, options = {}) {
  const response = await fetch(path, {
    headers: { "content-type": "application/json" }, ...options,
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.detail || `HTTP ${response.status}`);
  }
  return response.status === 204 ? null : response.json();
}

async function loadDocuments() {
  const { documents } = await api("/documents");
  const list = $("documents");
  list.replaceChildren();
  for (const doc of documents.filter((d) => d.status === "indexed")) {
    const id = `doc-${doc.id}`;
    const box = el("input", { type: "checkbox", id, value: doc.id });
    const label = el("label", { for: id }, `${doc.title} (${doc.page_count} pages)`);
    list.append(el("li", {}, box, label));
  }
}

async function newConversation() {
  const ids = [...document.querySelectorAll("#documents input:checked")].map((b) => b.value);
  const body = ids.length ? { document_ids: ids } : {};
  const conversation = await api("/conversations", { method: "POST", body: JSON.stringify(body) });
  conversationId = conversation.id;
  $("messages").replaceChildren();
  $("summary").hidden = true;
  $("scope").textContent = ids.length
    ? `New conversation over ${ids.length} document(s).`
    : "New conversation over all documents.";
  $("question").focus();
}

// Pages for PDFs; section and lines for Markdown, text, HTML and Word files (one "page").
function whereIn(c) {
  const parts = [];
  if (c.sections && c.sections.length) parts.push(`§ ${c.sections.join("; ")}`);
  if (c.lines) parts.push(c.lines[0] === c.lines[1] ? `line ${c.lines[0]}` : `lines ${c.lines[0]}–${c.lines[1]}`);
  if (parts.length) return parts.join(", ");
  return c.pages.length > 1 ? `pp. ${c.pages.join(", ")}` : `p. ${c.pages[0]}`;
}

function citationList(citations) {
  const list = el("ol", { class: "citations", "aria-label": "Citations" });
  for (const c of citations) {
    const details = el("details", {});
    const summary = el("summary", {}, `[${c.number}] ${c.title}, ${whereIn(c)}`);
    details.append(summary, el("blockquote", {}, c.snippet));
    list.append(el("li", { class: "citation" }, details));
  }
  return list;
}

function addMessage(role, text) {
  const body = el("div", { class: "text" }, text);
  const item = el("li", { class: `message ${role}` },
    el("span", { class: "role" }, role === "user" ? "You" : "tunedd"), body);
  $("messages").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

async function ask(question) {
  if (!conversationId) await newConversation();
  addMessage("user", question);
  const reply = addMessage("assistant", "");
  const text = reply.querySelector(".text");
  setStatus("Searching the documents…");
  const response = await fetch(`/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ message: question, stream: true }),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.detail || `HTTP ${response.status}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      handleFrame(buffer.slice(0, cut), reply, text);
      buffer = buffer.slice(cut + 2);
    }
  }
}

function handleFrame(frame, reply, text) {
  if (frame.startsWith(":")) return; // keep-alive
  const event = /^event: (.*)$/m.exec(frame)?.[1];
  const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] || "{}");
  if (event === "retrieval") setStatus(`Reading ${data.sources.length} passage(s)…`);
  if (event === "token") text.textContent += data.text;
  if (event === "done") {
    text.textContent = data.answer; // the verified answer replaces the raw stream
    if (data.citations.length) reply.append(citationList(data.citations));
    const grounded = data.groundedness == null ? "" :
      ` · ${Math.round(data.groundedness * 100)} % of sentences supported`;
    setStatus(`Answered${grounded}.`);
  }
  if (event === "error") setStatus(`Error: ${data.detail}`);
}

async function summarise() {
  if (!conversationId) return;
  setStatus("Summarising…");
  const s = await api(`/conversations/${conversationId}/summary`);
  const body = $("summary-body");
  body.replaceChildren(el("p", {}, s.summary));
  if (s.key_findings.length) {
    const findings = el("ul", { "aria-label": "Key findings" });
    for (const f of s.key_findings) {
      const refs = f.citations.map((c) => `${c.title}, p. ${c.pages.join(", ")}`).join("; ");
      findings.append(el("li", {}, f.text + (refs ? ` (${refs})` : "")));
    }
    body.append(el("h4", {}, "Key findings"), findings);
  }
  if (s.open_questions.length) {
    body.append(el("h4", {}, "Open questions"),
      el("ul", {}, ...s.open_questions.map((q) => el("li", {}, q))));
  }
  $("summary").hidden = false;
  setStatus(s.method === "extractive" ? `Summary (extractive: ${s.fallback_reason}).` : "Summary ready.");
}

$("new-conversation").addEventListener("click", () => newConversation().catch((e) => setStatus(e.message)));
$("summarise").addEventListener("click", () => summarise().catch((e) => setStatus(e.message)));
$("ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  $("question").value = "";
  $("send").disabled = true;
  ask(question).catch((e) => setStatus(`Error: ${e.message}`)).finally(() => {
    $("send").disabled = false;
    $("question").focus();
  });
});
$("question").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("ask").requestSubmit();
  }
});
loadDocuments().catch((e) => setStatus(`Could not load documents: ${e.message}`));
