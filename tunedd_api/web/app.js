// tunedd chat page: plain JS, no build step. Talks to the same API any client uses.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = "tunedd.apiKey";
const POLL_MS = 700; // upload status polling
const PAGE_SIZE = 10; // conversations per "load more"
let conversationId = null;
let nextCursor = null;
const watchers = new Map(); // document id -> upload entries (<li>) showing its status

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function setStatus(text) { $("status").textContent = text; }
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- requests, and the API key they carry -------------------------------------------------

function storedKey() {
  try { return localStorage.getItem(KEY_STORAGE) || ""; } catch { return ""; }
}

function withKey(headers = {}) {
  const key = storedKey();
  return key ? { ...headers, authorization: `Bearer ${key}` } : headers;
}

class ApiError extends Error {
  constructor(response, body) {
    super(body.detail || `HTTP ${response.status}`);
    this.status = response.status;
    this.code = body.code;
    this.retryAfter = response.headers.get("retry-after");
  }
}

// Every request goes through here: adds the key, opens the key field on 401, throws on errors.
async function send(path, options = {}) {
  const response = await fetch(path, { ...options, headers: withKey(options.headers) });
  if (response.status === 401) {
    showKeyForm(storedKey()
      ? "The server refused the saved API key. Enter another one."
      : "This server needs an API key. Enter yours to continue.");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(response, body);
  }
  return response;
}

async function api(path, options = {}) {
  const json = typeof options.body === "string" ? { "content-type": "application/json" } : {};
  const response = await send(path, { ...options, headers: { ...json, ...options.headers } });
  return response.status === 204 ? null : response.json();
}

function showKeyForm(message = "") {
  $("key-form").hidden = false;
  $("key-toggle").setAttribute("aria-expanded", "true");
  $("key-message").textContent = message;
  $("api-key").focus();
}

function hideKeyForm() {
  $("key-form").hidden = true;
  $("key-toggle").setAttribute("aria-expanded", "false");
}

function saveKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key); else localStorage.removeItem(KEY_STORAGE);
  } catch { /* storage disabled: the key lasts until the page is closed */ }
}

function reloadLists() {
  loadDocuments().catch((e) => setStatus(`Could not load documents: ${e.message}`));
  loadConversations().catch((e) => setStatus(`Could not load conversations: ${e.message}`));
}

// ---- documents: list, upload, delete ------------------------------------------------------

function describe(doc) {
  const p = doc.progress;
  if (doc.status === "queued") return "queued";
  if (doc.status === "indexing") {
    if (p && p.chunks_total) return `indexing ${p.chunks_done}/${p.chunks_total} chunks`;
    if (p && p.pages_total) return `indexing: reading ${plural(p.pages_total, "page")}`;
    return "indexing";
  }
  if (doc.status === "failed") return `failed: ${doc.error || "unknown reason"}`;
  return `indexed (${plural(doc.chunk_count, "chunk")})`;
}

function extent(doc) {
  return /\.pdf$/i.test(doc.file_name) ? plural(doc.page_count, "page") : doc.file_name;
}

function documentRow(doc, checked) {
  const name = doc.title || doc.file_name;
  const item = el("li", { "data-id": doc.id, "data-status": doc.status });
  if (doc.status === "indexed") {
    const id = `doc-${doc.id}`;
    const box = el("input", { type: "checkbox", id, value: doc.id });
    box.checked = checked;
    item.append(box, el("label", { for: id }, `${name} (${extent(doc)})`));
  } else {
    item.append(el("span", { class: "doc-name" },
      `${name} `, el("span", { class: "doc-status muted" }, describe(doc))));
  }
  if (doc.source === "upload") {
    const remove = el("button", { type: "button", class: "delete", "aria-label": `Delete ${doc.file_name}` },
      "Delete");
    remove.addEventListener("click", () => deleteDocument(doc).catch((e) => setStatus(`Error: ${e.message}`)));
    item.append(remove);
  }
  return item;
}

async function loadDocuments() {
  const { documents } = await api("/documents");
  const checked = new Set(scopeIds());
  $("documents").replaceChildren(...documents.map((d) => documentRow(d, checked.has(d.id))));
  for (const doc of documents) {
    if (doc.status === "queued" || doc.status === "indexing") watch(doc.id);
  }
}

function scopeIds() {
  return [...document.querySelectorAll("#documents input:checked")].map((b) => b.value);
}

function setEntry(entry, state, text) {
  entry.dataset.status = state;
  entry.querySelector(".state").textContent = text;
}

function uploadProblem(error) {
  switch (error.status) {
    case 401: return "not sent: this server needs an API key";
    case 413: return `too large: ${error.message}`;
    case 415: return `unsupported file type: ${error.message}`;
    case 422: return `not accepted: ${error.message}`;
    case 503: return `the server is busy${error.retryAfter ? ` (try again in ${error.retryAfter} s)` : ""}: ${error.message}`;
    default: return `refused: ${error.message}`;
  }
}

async function uploadFile(file) {
  const entry = el("li", { "data-status": "uploading" },
    el("span", { class: "file" }, file.name), " — ", el("span", { class: "state" }, "uploading…"));
  $("uploads").append(entry);
  const form = new FormData();
  form.append("files", file, file.name);
  let accepted;
  try {
    ({ documents: [accepted] } = await api("/documents", { method: "POST", body: form }));
  } catch (error) {
    setEntry(entry, "refused", uploadProblem(error));
    return;
  }
  const prefix = accepted.duplicate ? "already in the collection: " : "";
  setEntry(entry, accepted.status, prefix + accepted.status);
  if (accepted.status !== "indexed" && accepted.status !== "failed") {
    watch(accepted.id, entry, prefix);
    await loadDocuments(); // the new document, listed with its status until it is indexed
  } else if (accepted.status === "failed") {
    const doc = await api(`/documents/${accepted.id}`);
    setEntry(entry, "failed", prefix + describe(doc));
  } else {
    setEntry(entry, "indexed", `${prefix}indexed`);
  }
}

async function uploadFiles(files) {
  for (const file of files) {
    await uploadFile(file).catch((e) => setStatus(`Error: ${e.message}`));
  }
}

// Poll GET /documents/{id} until the document is indexed or failed; one loop per document.
async function watch(id, entry = null, prefix = "") {
  if (watchers.has(id)) {
    if (entry) watchers.get(id).push({ entry, prefix });
    return;
  }
  watchers.set(id, entry ? [{ entry, prefix }] : []);
  try {
    for (;;) {
      let doc;
      try {
        doc = await api(`/documents/${id}`);
      } catch (error) {
        const text = error.status === 404 ? "removed" : `status unknown: ${error.message}`;
        for (const w of watchers.get(id)) setEntry(w.entry, "unknown", w.prefix + text);
        if (error.status === 404 || error.status === 401) return;
        await pause(POLL_MS * 4);
        continue;
      }
      for (const w of watchers.get(id)) setEntry(w.entry, doc.status, w.prefix + describe(doc));
      const row = document.querySelector(`#documents li[data-id="${id}"] .doc-status`);
      if (row) row.textContent = describe(doc);
      if (doc.status === "indexed" || doc.status === "failed") {
        await loadDocuments(); // indexed: now with its checkbox
        return;
      }
      await pause(POLL_MS);
    }
  } finally {
    watchers.delete(id);
  }
}

async function deleteDocument(doc) {
  const name = doc.title || doc.file_name;
  if (!window.confirm(`Delete “${doc.file_name}”? No later answer or search will use it.`)) return;
  await api(`/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
  setStatus(`Deleted “${name}”.`);
  await loadDocuments();
  $("docs-heading").focus(); // the button that had focus is gone
}

// ---- conversations: start, list, reopen, delete -------------------------------------------

async function newConversation() {
  const ids = scopeIds();
  const body = ids.length ? { document_ids: ids } : {};
  const conversation = await api("/conversations", { method: "POST", body: JSON.stringify(body) });
  conversationId = conversation.id;
  $("messages").replaceChildren();
  $("summary").hidden = true;
  $("scope").textContent = ids.length
    ? `New conversation over ${ids.length} document(s).`
    : "New conversation over all documents.";
  markCurrent();
  $("question").focus();
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function conversationMeta(count) {
  return plural(count, "message");
}

function conversationRow(c) {
  const title = c.title || "Untitled conversation";
  const open = el("button", { type: "button", class: "open", "data-id": c.id },
    el("span", { class: "title" }, title),
    el("span", { class: "meta" },
      el("time", { datetime: c.created_at }, timeFormat.format(new Date(c.created_at))),
      " · ", el("span", { class: "count" }, conversationMeta(c.message_count))));
  open.addEventListener("click", () => openConversation(c.id).catch((e) => setStatus(`Error: ${e.message}`)));
  const remove = el("button", { type: "button", class: "delete", "aria-label": `Delete conversation: ${title}` },
    "Delete");
  remove.addEventListener("click", () => deleteConversation(c.id, title).catch((e) => setStatus(`Error: ${e.message}`)));
  return el("li", { "data-id": c.id }, open, remove);
}

async function loadConversations(more = false) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (more && nextCursor) params.set("cursor", nextCursor);
  const list = $("conversations");
  list.setAttribute("aria-busy", "true");
  let page;
  try {
    page = await api(`/conversations?${params}`);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
  if (!more) list.replaceChildren();
  const shown = new Set([...list.children].map((li) => li.dataset.id));
  for (const c of page.conversations) {
    // Conversations with no question yet are left out: they appear after their first answer.
    if (c.message_count > 0 && !shown.has(c.id)) list.append(conversationRow(c));
  }
  nextCursor = page.next_cursor;
  $("load-more").hidden = !nextCursor;
  $("no-conversations").hidden = list.children.length > 0;
  markCurrent();
}

function markCurrent() {
  for (const button of document.querySelectorAll("#conversations .open")) {
    if (button.dataset.id === conversationId) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}

async function conversationAnswered() {
  const row = document.querySelector(`#conversations li[data-id="${conversationId}"]`);
  if (row) {
    const count = document.querySelectorAll("#messages .message").length;
    row.querySelector(".count").textContent = conversationMeta(count);
  } else {
    await loadConversations(); // a new conversation: at the top, newest first
  }
}

async function openConversation(id) {
  let conversation;
  try {
    conversation = await api(`/conversations/${id}`);
  } catch (error) {
    if (error.status !== 404) throw error;
    setStatus("That conversation no longer exists (deleted or expired).");
    await loadConversations();
    return;
  }
  conversationId = conversation.id;
  $("summary").hidden = true;
  $("messages").replaceChildren();
  for (const m of conversation.messages) {
    const item = addMessage(m.role, m.content);
    if (m.role === "assistant" && m.citations.length) item.append(citationList(m.citations));
  }
  const scope = conversation.document_ids;
  for (const box of document.querySelectorAll("#documents input[type=checkbox]")) {
    box.checked = Boolean(scope && scope.includes(box.value));
  }
  $("scope").textContent = scope
    ? `Reopened conversation over ${scope.length} document(s).`
    : "Reopened conversation over all documents.";
  markCurrent();
  setStatus(`Reopened: ${conversationMeta(conversation.messages.length)}. Ask to continue.`);
  $("question").focus();
}

async function deleteConversation(id, title) {
  if (!window.confirm(`Delete the conversation “${title}”?`)) return;
  try {
    await api(`/conversations/${id}`, { method: "DELETE" });
  } catch (error) {
    if (error.status !== 404) throw error; // already gone: drop it from the list all the same
  }
  document.querySelector(`#conversations li[data-id="${id}"]`)?.remove();
  $("no-conversations").hidden = $("conversations").children.length > 0;
  if (id === conversationId) {
    conversationId = null;
    $("messages").replaceChildren();
    $("summary").hidden = true;
    $("scope").textContent = "";
  }
  setStatus(`Deleted the conversation “${title}”.`);
  $("history-heading").focus();
}

// ---- messages and answers -----------------------------------------------------------------

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
  const response = await send(`/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ message: question, stream: true }),
  });
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
    conversationAnswered().catch(() => {});
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
      const refs = f.citations.map((c) => `${c.title}, ${whereIn(c)}`).join("; ");
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

// ---- wiring -------------------------------------------------------------------------------

$("new-conversation").addEventListener("click", () => newConversation().catch((e) => setStatus(e.message)));
$("summarise").addEventListener("click", () => summarise().catch((e) => setStatus(e.message)));
$("load-more").addEventListener("click", () => loadConversations(true).catch((e) => setStatus(e.message)));
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

$("key-toggle").addEventListener("click", () => {
  if ($("key-form").hidden) showKeyForm(storedKey() ? "A key is saved in this browser." : "");
  else hideKeyForm();
});
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  saveKey($("api-key").value.trim());
  $("api-key").value = "";
  hideKeyForm();
  $("key-toggle").focus();
  setStatus(storedKey() ? "API key saved." : "No API key saved.");
  reloadLists();
});
$("key-forget").addEventListener("click", () => {
  saveKey("");
  $("api-key").value = "";
  $("key-message").textContent = "The key is forgotten.";
});

$("file-input").addEventListener("change", (event) => {
  const files = [...event.target.files];
  event.target.value = ""; // picking the same file again fires "change" again
  uploadFiles(files);
});
const zone = $("drop-zone");
const panel = $("documents-panel");
const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
panel.addEventListener("dragover", (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
  zone.classList.add("dragging");
});
panel.addEventListener("dragleave", (event) => {
  if (!panel.contains(event.relatedTarget)) zone.classList.remove("dragging");
});
panel.addEventListener("drop", (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  zone.classList.remove("dragging");
  uploadFiles([...event.dataTransfer.files]);
});
// A file dropped anywhere else must not replace the page with the file.
window.addEventListener("dragover", (event) => { if (hasFiles(event)) event.preventDefault(); });
window.addEventListener("drop", (event) => { if (hasFiles(event)) event.preventDefault(); });

reloadLists();
