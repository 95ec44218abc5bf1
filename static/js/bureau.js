// The bureau page's chart: open hazards of the schools with the most overdue, stacked as
// "in time" and "overdue", drawn with the vendored ECharts from the page's json_script data.
(() => {
  const dataNode = document.getElementById("bureau-data");
  const labelNode = document.getElementById("bureau-labels");
  const node = document.getElementById("bureau-chart");
  if (!dataNode || !labelNode || !node || !window.echarts) return;
  const data = JSON.parse(dataNode.textContent);
  const t = JSON.parse(labelNode.textContent);
  const css = getComputedStyle(document.documentElement);
  const BRAND = css.getPropertyValue("--gs-brand").trim() || "#0b5cad";
  const DANGER = css.getPropertyValue("--bs-danger").trim() || "#dc3545";
  const chart = echarts.init(node);
  const bar = (name, values, color) => ({
    name, type: "bar", stack: "open", data: values, itemStyle: { color },
    barMaxWidth: 28, emphasis: { focus: "series" },
  });
  chart.setOption({
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
    animationDuration: 400,
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 8 },
    xAxis: {
      type: "category", data: data.schools,
      axisLabel: { interval: 0, rotate: data.schools.length > 4 ? 30 : 0, width: 90, overflow: "truncate" },
    },
    yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e9eef5" } } },
    series: [bar(t.in_time, data.in_time, BRAND), bar(t.overdue, data.overdue, DANGER)],
  });
  window.addEventListener("resize", () => chart.resize());
})();
