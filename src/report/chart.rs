//! The report's one kind of chart: vertical bars, as inline SVG so the page needs nothing else.

use std::fmt::Write;

use crate::report::page::{escape, num};

/// One bar of a chart.
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub class: &'static str,
}

/// A vertical line on a chart, at a position in bar units (0 = left edge of the first bar).
pub struct Rule {
    pub at: f64,
    pub label: String,
    pub class: &'static str,
}

/// A vertical bar chart as inline SVG.
pub fn bar_chart(id: &str, title: &str, bars: &[Bar], rules: &[Rule], x_title: &str) -> String {
    let n = bars.len().max(1);
    let bw = if n <= 12 {
        40.0
    } else if n <= 30 {
        22.0
    } else {
        12.0
    };
    let (left, top, plot_h, bottom) = (56.0, 28.0, 160.0, 44.0);
    let width = left + bw * n as f64 + 20.0;
    let height = top + plot_h + bottom;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart"><svg id="{id}" role="img" aria-label="{t}" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        s,
        r#"<line class="axis" x1="{left}" y1="{y0}" x2="{x2:.1}" y2="{y0}"/><text class="tick" x="{lx}" y="{yt}" text-anchor="end">{m}</text><text class="tick" x="{lx}" y="{y0}" text-anchor="end">0</text>"#,
        y0 = top + plot_h,
        x2 = left + bw * n as f64,
        lx = left - 4.0,
        yt = top + 4.0,
        m = num(max as u64)
    );
    let label_every = n.div_ceil(15).max(1);
    for (i, b) in bars.iter().enumerate() {
        let x = left + bw * i as f64;
        let hgt = b.value as f64 / max * plot_h;
        let y = top + plot_h - hgt;
        let _ = write!(
            s,
            r#"<rect class="bar {c}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{hgt:.1}"><title>{l}: {v}</title></rect>"#,
            c = b.class,
            w = bw - 2.0,
            l = escape(&b.label),
            v = num(b.value)
        );
        if n <= 30 && b.value > 0 {
            let _ = write!(
                s,
                r#"<text class="val" x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{v}</text>"#,
                cx = x + (bw - 2.0) / 2.0,
                ty = y - 3.0,
                v = num(b.value)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                s,
                r#"<text class="tick" x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{l}</text>"#,
                cx = x + (bw - 2.0) / 2.0,
                ty = top + plot_h + 14.0,
                l = escape(&b.label)
            );
        }
    }
    for r in rules {
        let x = left + bw * r.at.clamp(0.0, n as f64);
        let _ = write!(
            s,
            r#"<line class="rule {c}" x1="{x:.1}" y1="{y1}" x2="{x:.1}" y2="{y2}"/><text class="rule-label {c}" x="{x:.1}" y="{ty}" text-anchor="middle">{l}</text>"#,
            c = r.class,
            y1 = top - 6.0,
            y2 = top + plot_h,
            ty = top - 10.0,
            l = escape(&r.label)
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-title" x="{cx:.1}" y="{ty}" text-anchor="middle">{xt}</text></svg></figure>"#,
        cx = left + bw * n as f64 / 2.0,
        ty = height - 8.0,
        xt = escape(x_title)
    );
    s
}

/// One line of a line chart: a value with its interval at each x, drawn as a line over a
/// shaded band.
pub struct Line {
    pub label: String,
    pub class: &'static str,
    /// (value, low, high) at each of the chart's xs.
    pub points: Vec<(f64, f64, f64)>,
}

/// A line chart of shares (at most 1) over ascending `xs`, with each line's interval shaded and
/// vertical rules at positions in x units, as inline SVG.
pub fn line_chart(
    id: &str,
    title: &str,
    xs: &[f64],
    lines: &[Line],
    rules: &[(f64, String, &'static str)],
    x_title: &str,
) -> String {
    let (left, top, plot_w, plot_h, bottom) = (56.0, 28.0, 560.0, 180.0, 44.0);
    let (width, height) = (left + plot_w + 110.0, top + plot_h + bottom);
    let (x0, x1) = match (xs.first(), xs.last()) {
        (Some(&a), Some(&b)) if b > a => (a, b),
        (Some(&a), _) => (a - 1.0, a + 1.0),
        _ => (0.0, 1.0),
    };
    let x = |v: f64| left + (v - x0) / (x1 - x0) * plot_w;
    // The axis starts at the lowest tenth any interval reaches, so that shares near 1 (most
    // of a register's) are told apart.
    let lowest = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(1.0f64, f64::min);
    let y_min = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let y = |v: f64| top + (1.0 - v.clamp(y_min, 1.0)) / (1.0 - y_min) * plot_h;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart"><svg id="{id}" role="img" aria-label="{t}" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}"><title>{t}</title>"#,
        t = escape(title)
    );
    for v in [y_min, (y_min + 1.0) / 2.0, 1.0] {
        let _ = write!(
            s,
            r#"<line class="grid" x1="{left}" y1="{yv:.1}" x2="{x2:.1}" y2="{yv:.1}"/><text class="tick" x="{lx}" y="{ty:.1}" text-anchor="end">{v:.2}</text>"#,
            yv = y(v),
            x2 = left + plot_w,
            lx = left - 4.0,
            ty = y(v) + 3.0
        );
    }
    let _ = write!(
        s,
        r#"<line class="axis" x1="{left}" y1="{y0}" x2="{x2:.1}" y2="{y0}"/>"#,
        y0 = top + plot_h,
        x2 = left + plot_w
    );
    let step = ((x1 - x0) / 10.0).ceil().max(1.0);
    let mut t = x0.ceil();
    while t <= x1 {
        let _ = write!(
            s,
            r#"<text class="tick" x="{tx:.1}" y="{ty}" text-anchor="middle">{t}</text>"#,
            tx = x(t),
            ty = top + plot_h + 14.0
        );
        t += step;
    }
    for (k, l) in lines.iter().enumerate() {
        let n = l.points.len().min(xs.len());
        if n == 0 {
            continue;
        }
        let at = |k: usize| {
            xs[..n]
                .iter()
                .zip(&l.points)
                .map(move |(&v, p)| (x(v), y([p.0, p.1, p.2][k])))
        };
        // The band: along the highs, back along the lows.
        let band: Vec<String> = at(2)
            .chain(at(1).collect::<Vec<_>>().into_iter().rev())
            .map(|(a, b)| format!("{a:.1},{b:.1}"))
            .collect();
        let band = band.join(" ");
        let line: String = at(0)
            .map(|(a, b)| format!("{a:.1},{b:.1}"))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = write!(
            s,
            r#"<polygon class="band {c}" points="{b}"/><polyline class="line {c}" points="{line}"><title>{lt}</title></polyline><text class="legend {c}" x="{lx:.1}" y="{ly:.1}">{lt}</text>"#,
            c = l.class,
            b = band,
            lt = escape(&l.label),
            lx = left + plot_w + 8.0,
            ly = top + 12.0 + 16.0 * k as f64
        );
    }
    for (at, label, class) in rules {
        let _ = write!(
            s,
            r#"<line class="rule {class}" x1="{rx:.1}" y1="{y1}" x2="{rx:.1}" y2="{y2}"/><text class="rule-label {class}" x="{rx:.1}" y="{ty}" text-anchor="middle">{l}</text>"#,
            rx = x(at.clamp(x0, x1)),
            y1 = top - 6.0,
            y2 = top + plot_h,
            ty = top - 10.0,
            l = escape(label)
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-title" x="{cx:.1}" y="{ty}" text-anchor="middle">{xt}</text></svg></figure>"#,
        cx = left + plot_w / 2.0,
        ty = height - 8.0,
        xt = escape(x_title)
    );
    s
}
