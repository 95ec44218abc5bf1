// The health check form: add absent students, keep "absent" in step, show the symptom
// only for an illness.
(() => {
  const form = document.querySelector("[data-health-form]");
  if (!form) return;

  const showSymptom = (scope) => {
    const reason = scope.querySelector("select[name$='-reason']");
    const result = form.querySelector("input[name='result']:checked");
    const ill = reason ? reason.value === "illness" : !result || result.value === "illness";
    scope.querySelectorAll("[data-symptom]").forEach((box) => { box.hidden = !ill; });
  };

  const rows = () => form.querySelectorAll("[data-absence-row]");
  const field = (name) => form.querySelector(`[name='${name}']`);
  const total = field("absence-TOTAL_FORMS");

  const countAbsent = () => {
    const named = [...rows()].filter((row) => row.querySelector("input").value.trim()).length;
    const absent = field("absent");
    const enrolled = field("enrolled");
    if (!absent) return;
    absent.value = named;
    if (enrolled && enrolled.value !== "") field("present").value = Number(enrolled.value) - named;
  };

  form.querySelector("[data-add-absence]")?.addEventListener("click", () => {
    const template = form.querySelector("[data-absence-template]");
    const index = Number(total.value);
    const html = template.innerHTML.replaceAll("__prefix__", index);
    form.querySelector("[data-absence-empty]").before(
      document.createRange().createContextualFragment(html)
    );
    total.value = index + 1;
    form.querySelector("[data-absence-empty]").hidden = true;
    const row = rows()[rows().length - 1];
    showSymptom(row);
    row.querySelector("input").focus();
  });

  form.addEventListener("change", (event) => {
    const row = event.target.closest("[data-absence-row]");
    if (row) showSymptom(row);
    if (event.target.name === "result") showSymptom(form);
  });
  form.addEventListener("input", (event) => {
    if (event.target.closest("[data-absence-row]") || event.target.name === "enrolled") countAbsent();
  });
  if (total) rows().forEach(showSymptom);
  else showSymptom(form);
})();
