// dtu view: draws the plots a page carries (plotly figures as JSON in data-figure attributes).
"use strict";
(function () {
  if (typeof Plotly === "undefined") return;
  for (const el of document.querySelectorAll(".plot[data-figure]")) {
    const fig = JSON.parse(el.dataset.figure);
    Plotly.newPlot(el, fig.data, fig.layout, {responsive: true, displaylogo: false});
  }
})();
