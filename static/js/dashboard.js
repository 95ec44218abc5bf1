// The dashboard's charts, drawn with the vendored ECharts from the page's json_script data.
// Every bar and funnel step links to the hazard list behind it, as the numbers do.
(() => {
  const dataNode = document.getElementById("dashboard-data");
  const labelNode = document.getElementById("dashboard-labels");
  if (!dataNode || !labelNode || !window.echarts) return;
  const data = JSON.parse(dataNode.textContent);
  const t = JSON.parse(labelNode.textContent);
  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const BRAND = color("--gs-brand", "#0b5cad");
  const DANGER = color("--bs-danger", "#dc3545");
  const SUCCESS = "#2e8b57";
  const MUTED = "#6c757d";
  const FONT = { fontFamily: getComputedStyle(document.body).fontFamily };

  const narrow = () => window.matchMedia("(max-width: 575.98px)").matches;
  const go = (url) => { if (url) window.location.href = url; };
  const base = () => ({
    textStyle: FONT,
    animationDuration: 400,
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 8, textStyle: { color: MUTED } },
  });

  const builders = {
    trend() {
      const trend = data.trend;
      const weeks = trend.weeks.map((w) => w.slice(5));
      return {
        ...base(),
        xAxis: { type: "category", data: weeks, axisTick: { alignWithLabel: true } },
        yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e9eef5" } } },
        tooltip: {
          trigger: "axis",
          formatter: (items) => `${t.weekOf} ${trend.weeks[items[0].dataIndex]}<br>` +
            items.map((i) => `${i.marker}${i.seriesName}: <b>${i.value}</b>`).join("<br>"),
        },
        series: [
          { name: t.reported, type: "bar", data: trend.reported, itemStyle: { color: BRAND, borderRadius: [3, 3, 0, 0] }, urls: trend.reported_urls },
          { name: t.closed, type: "line", smooth: true, symbolSize: 7, data: trend.closed, itemStyle: { color: SUCCESS }, urls: trend.closed_urls },
        ],
      };
    },
    funnel() {
      const steps = data.funnel;
      return {
        textStyle: FONT,
        tooltip: { trigger: "item", formatter: (i) => `${i.name}: <b>${i.value}</b>` },
        color: [BRAND, "#1f7ab8", "#6f42c1", SUCCESS],
        series: [{
          type: "funnel",
          left: "4%", right: "4%", top: 8, bottom: 8,
          minSize: "18%",
          sort: "none",
          gap: 3,
          label: { position: "inside", formatter: (i) => `${i.name} ${i.value}`, color: "#fff", fontSize: 12 },
          data: steps.map((s) => ({ name: t.funnel[s.key], value: s.value, url: s.url })),
        }],
      };
    },
    categories() {
      const rows = [...data.categories].reverse();  // the largest on top
      return {
        ...base(),
        legend: { show: false },
        grid: { left: 8, right: 28, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e9eef5" } } },
        yAxis: { type: "category", data: rows.map((r) => r.name), axisTick: { show: false } },
        series: [{
          name: t.reported, type: "bar", barMaxWidth: 18,
          data: rows.map((r) => r.value), urls: rows.map((r) => r.url),
          itemStyle: { color: BRAND, borderRadius: [0, 3, 3, 0] },
          label: { show: true, position: "right", color: MUTED },
        }],
      };
    },
    areas() {
      const rows = data.areas;
      const names = rows.map((r) => (r.direct ? `${r.name} ${t.directly}` : r.name));
      return {
        ...base(),
        xAxis: {
          type: "category", data: names,
          axisLabel: { interval: 0, rotate: narrow() || names.length > 5 ? 30 : 0, color: MUTED },
        },
        yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#e9eef5" } } },
        series: [
          { name: t.open, type: "bar", barMaxWidth: 28, data: rows.map((r) => r.open), urls: rows.map((r) => r.url), itemStyle: { color: BRAND } },
          { name: t.overdue, type: "bar", barMaxWidth: 28, data: rows.map((r) => r.overdue), urls: rows.map((r) => r.overdue_url), itemStyle: { color: DANGER } },
        ],
      };
    },
  };

  const charts = [];
  document.querySelectorAll("[data-chart]").forEach((node) => {
    const build = builders[node.dataset.chart];
    if (!build) return;
    const chart = window.echarts.init(node, null, { renderer: "canvas" });
    const option = build();
    chart.setOption(option);
    chart.on("click", (params) => {
      if (params.data && params.data.url) return go(params.data.url);
      const series = option.series[params.seriesIndex];
      if (series && series.urls) go(series.urls[params.dataIndex]);
    });
    chart.getZr().on("mousemove", () => { node.style.cursor = "pointer"; });
    charts.push(chart);
  });
  if (window.ResizeObserver) {
    const observer = new ResizeObserver(() => charts.forEach((c) => c.resize()));
    document.querySelectorAll("[data-chart]").forEach((node) => observer.observe(node));
  } else {
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }

  // The resolution bar's parts, sized here rather than with inline styles (strict CSP).
  document.querySelectorAll(".resolution-bar [data-share]").forEach((part) => {
    part.style.width = `${part.dataset.share}%`;
  });
})();
