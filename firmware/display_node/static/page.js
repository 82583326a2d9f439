// Polls the node's /state.json; shows "no connection" when the node says its link to the
// hub is lost or when the node itself does not answer, never the calls from before.
// The clock shows the hub's time: the node sends it (now_ms) and the page keeps the
// difference to its own clock, which may be hours off on a Pi without NTP.
"use strict";
const POLL_MS = 250;
const FAILURES_BEFORE_OFFLINE = 8;  // two seconds without an answer from the node
let failures = 0;
let shownVersion = -1;
let clockOffsetMs = 0;  // the hub's time minus this browser's

function el(id) { return document.getElementById(id); }

function text(node, value) { if (node.textContent !== value) node.textContent = value; }

function render(state) {
  el("offline").hidden = state.online;
  document.body.dataset.online = String(state.online);
  text(el("title-kk"), (state.title && state.title.kk) || "");
  text(el("title-ru"), (state.title && state.title.ru) || "");
  const newest = state.calls[0];
  const box = el("newest");
  box.classList.toggle("new", Boolean(newest && newest.new));
  text(el("newest-number"), newest ? String(newest.number) : "—");
  text(el("newest-desk-kk"), newest ? newest.desk_kk : "");
  text(el("newest-desk-ru"), newest ? newest.desk_ru : "");
  // A visitor sent on to another desk is told so, not that they are called.
  const transferred = Boolean(newest && newest.transferred);
  el("label-called").hidden = transferred;
  el("label-transferred").hidden = !transferred;
  box.classList.toggle("transferred", transferred);
  if (state.version !== shownVersion || (newest && !newest.new && box.dataset.fresh === "1")) {
    const rows = el("calls");
    rows.replaceChildren(...state.calls.slice(1).map((call) => {
      const row = document.createElement("tr");
      const number = document.createElement("td");
      number.className = "number";
      number.textContent = String(call.number);
      const desk = document.createElement("td");
      desk.textContent = call.desk_kk;
      const ru = document.createElement("span");
      ru.className = "ru";
      ru.textContent = call.desk_ru;
      desk.append(ru);
      if (call.transferred) {
        row.className = "transferred";
        const note = document.createElement("small");
        note.className = "note";
        note.textContent = "басқа орынға жіберілді · переадресован";
        desk.append(note);
      }
      row.append(number, desk);
      return row;
    }));
    el("zones").replaceChildren(...state.zones.map((zone) => {
      const item = document.createElement("div");
      item.className = "zone";
      item.dataset.zone = zone.zone;
      const name = document.createElement("span");
      name.textContent = zone.kk === zone.ru ? zone.kk : `${zone.kk} / ${zone.ru}`;
      const count = document.createElement("b");
      count.textContent = String(zone.waiting);
      const note = document.createElement("small");
      note.textContent = " күтуде / ожидают";
      item.append(name, count, note);
      return item;
    }));
    shownVersion = state.version;
  }
  box.dataset.fresh = newest && newest.new ? "1" : "0";
  box.dataset.number = newest ? String(newest.number) : "";
}

function tick() {
  const now = new Date(Date.now() + clockOffsetMs);
  const pad = (n) => String(n).padStart(2, "0");
  text(el("clock"), `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`);
}

async function poll() {
  try {
    const asked = Date.now();
    const answer = await fetch("/state.json", { cache: "no-store" });
    if (!answer.ok) throw new Error(String(answer.status));
    failures = 0;
    const state = await answer.json();
    if (typeof state.now_ms === "number") {
      // The node read its clock somewhere during the round trip: take the middle.
      const offset = state.now_ms - (asked + Date.now()) / 2;
      const jumped = Math.abs(offset - clockOffsetMs) >= 1000;
      clockOffsetMs = offset;
      if (jumped) tick();
    }
    render(state);
  } catch (error) {
    failures += 1;
    if (failures >= FAILURES_BEFORE_OFFLINE) el("offline").hidden = false;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

tick();
setInterval(tick, 1000);
poll();
