// The answers page: draws the rows in #answers-data and filters them. Every text from a user or a
// model goes in through textContent, never innerHTML.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("answers-data").textContent);
  const cells = data.cells;
  const table = document.getElementById("answers");
  const counts = document.getElementById("counts");
  const field = (id) => document.getElementById(id);

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function fillCellChoices(select) {
    select.appendChild(element("option", "any cell")).value = "";
    for (const cell of cells) select.appendChild(element("option", cell)).value = cell;
  }
  fillCellChoices(field("f-right"));
  fillCellChoices(field("f-wrong"));

  const head = table.tHead.insertRow();
  for (const name of ["question", "gold", ...cells]) head.appendChild(element("th", name));

  function details(answer) {
    const box = element("details");
    box.appendChild(element("summary", "shown, tokens, latency"));
    const facts = [
      `prompt tokens: ${answer.prompt_tokens ?? "n/a"}`,
      `completion tokens: ${answer.completion_tokens ?? "n/a"}`,
      `latency: ${answer.latency_seconds == null ? "n/a" : answer.latency_seconds.toFixed(3) + " s"}`,
      `scored by: ${answer.scored_by}`,
    ];
    if (answer.failure) facts.push(`why wrong: ${answer.failure.replace("_", " ")}`);
    if (answer.shown_doc_ids) facts.push(`shown: ${answer.shown_doc_ids.join(", ") || "nothing"}`);
    for (const fact of facts) box.appendChild(element("div", fact, "fact"));
    for (const chunk of answer.chunks) box.appendChild(element("blockquote", chunk));
    return box;
  }

  function answerCell(answer) {
    const td = element("td", null, "answer");
    if (!answer) {
      td.appendChild(element("span", "not asked", "missing"));
      return td;
    }
    td.classList.add("v-" + (answer.outcome || "none"));
    td.dataset.outcome = answer.outcome;
    td.appendChild(element("div", answer.prediction || "(empty)", "prediction"));
    const tags = element("div", null, "tags");
    tags.appendChild(element("span", answer.outcome, "tag"));
    if (answer.failure) tags.appendChild(element("span", answer.failure.replace("_", " "), "tag"));
    for (const check of answer.checks_failed) tags.appendChild(element("span", check, "tag check"));
    td.appendChild(tags);
    td.appendChild(details(answer));
    return td;
  }

  const body = table.tBodies[0];
  const rows = data.questions.map((question) => {
    const tr = body.insertRow();
    tr.appendChild(element("td", question.question, "question"));
    tr.appendChild(element("td", question.answerable ? question.gold.join(" | ") : "(unanswerable)", "gold"));
    for (const cell of cells) tr.appendChild(answerCell(question.cells[cell]));
    const text = [question.question, ...question.gold,
      ...cells.map((c) => (question.cells[c] || {}).prediction || "")].join("\n").toLowerCase();
    return { tr, question, text };
  });

  const correct = (question, cell) => (question.cells[cell] || {}).outcome === "correct";

  function keeps(question, text) {
    const asked = cells.filter((c) => question.cells[c]);
    if (field("f-disagree").checked && new Set(asked.map((c) => correct(question, c))).size < 2) return false;
    const right = field("f-right").value, wrong = field("f-wrong").value;
    if (right && !correct(question, right)) return false;
    if (wrong && (!question.cells[wrong] || correct(question, wrong))) return false;
    const failure = field("f-failure").value;
    if (failure && !asked.some((c) => question.cells[c].failure === failure)) return false;
    const kind = field("f-kind").value;
    if (kind === "answerable" && !question.answerable) return false;
    if (kind === "unanswerable" && question.answerable) return false;
    if (field("f-behaviour").checked && !asked.some((c) => question.cells[c].checks_failed.length)) return false;
    const needle = field("f-text").value.trim().toLowerCase();
    return !needle || text.includes(needle);
  }

  function update() {
    let shown = 0;
    const right = Object.fromEntries(cells.map((c) => [c, 0]));
    for (const row of rows) {
      const keep = keeps(row.question, row.text);
      row.tr.hidden = !keep;
      if (!keep) continue;
      shown += 1;
      for (const cell of cells) if (correct(row.question, cell)) right[cell] += 1;
    }
    counts.textContent = `${shown} of ${rows.length} questions shown; correct among them: ` +
      cells.map((c) => `${c} ${right[c]}`).join(", ");
    counts.dataset.shown = String(shown);
  }

  for (const id of ["f-disagree", "f-right", "f-wrong", "f-failure", "f-kind", "f-behaviour"]) {
    field(id).addEventListener("change", update);
  }
  field("f-text").addEventListener("input", update);
  update();
})();
