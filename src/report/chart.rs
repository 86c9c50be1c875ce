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
