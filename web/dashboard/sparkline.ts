// A small time-series plot on a canvas: the newest samples at the right, scaled to their maximum
// (with the maximum written in the corner so the scale is never a guess).

export function sparkline(values: number[], label: (max: number) => string, color: string): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  const width = 120;
  const height = 28;
  canvas.width = width;
  canvas.height = height;
  canvas.className = "spark";
  const max = Math.max(1e-9, ...values);
  canvas.title = `max ${label(max)} over the last ${values.length} samples`;
  const g = canvas.getContext("2d");
  if (!g || values.length === 0) return canvas;
  g.strokeStyle = color;
  g.lineWidth = 1.5;
  g.beginPath();
  const step = values.length > 1 ? width / (values.length - 1) : width;
  values.forEach((v, i) => {
    const x = i * step;
    const y = height - 2 - (v / max) * (height - 10);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#666";
  g.font = "9px sans-serif";
  g.fillText(label(max), 2, 9);
  return canvas;
}
