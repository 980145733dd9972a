//! The report's plots: bandwidth against payload size, log-log, as SVG text
//! (plotters' SVG backend; text is left to the viewer's fonts).

use plotters::prelude::*;

/// One line of a plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// `(payload bytes, GB/s)`.
    pub points: Vec<(f64, f64)>,
    /// Index into the palette: series of one color belong together.
    pub color: usize,
    /// Dashed (for the concurrency-support-on variant of a series).
    pub dashed: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("plotting `{title}` failed: {message}")]
pub struct PlotError {
    title: String,
    message: String,
}

const COLORS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x55, 0x55, 0x55),
];

/// An SVG document: `series` as lines with markers, bandwidth (GB/s)
/// against payload size (bytes), both axes logarithmic.
pub fn bandwidth_svg(title: &str, series: &[Series]) -> Result<String, PlotError> {
    let fail = |e: &dyn std::fmt::Display| PlotError {
        title: title.to_string(),
        message: e.to_string(),
    };
    let points = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| *x > 0.0 && *y > 0.0);
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    if x_min > x_max {
        return Err(fail(&"no points to plot"));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 540)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(
                (x_min / 1.5..x_max * 1.5).log_scale(),
                (y_min / 2.0..y_max * 2.0).log_scale(),
            )
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc("payload size")
            .y_desc("bandwidth, GB/s")
            .x_label_formatter(&|x| super::human_bytes(x.round() as usize))
            .y_label_formatter(&|y| format_gbps(*y))
            .draw()
            .map_err(|e| fail(&e))?;
        for s in series {
            let color = COLORS[s.color % COLORS.len()];
            let style = color.stroke_width(2);
            let points: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| *x > 0.0 && *y > 0.0)
                .collect();
            let drawn = if s.dashed {
                chart
                    .draw_series(DashedLineSeries::new(points.clone(), 8, 5, style))
                    .map_err(|e| fail(&e))?
            } else {
                chart
                    .draw_series(LineSeries::new(points.clone(), style))
                    .map_err(|e| fail(&e))?
            };
            let dashed = s.dashed;
            drawn.label(&s.name).legend(move |(x, y)| {
                let end = if dashed { x + 10 } else { x + 20 };
                PathElement::new(vec![(x, y), (end, y)], color.stroke_width(2))
            });
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(|e| fail(&e))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

/// `12.3`, `0.45`, `0.0012`: enough digits for a log axis.
pub fn format_gbps(y: f64) -> String {
    if y >= 10.0 {
        format!("{y:.0}")
    } else if y >= 1.0 {
        format!("{y:.1}")
    } else {
        let digits = (-y.log10()).floor() as usize + 1;
        format!("{y:.digits$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plot_is_an_svg_with_every_series_named() {
        let series = vec![
            Series {
                name: "memcpy".into(),
                points: vec![(64.0, 10.0), (1024.0, 30.0)],
                color: 5,
                dashed: false,
            },
            Series {
                name: "typed, concurrency on".into(),
                points: vec![(64.0, 0.5), (1024.0, 4.0)],
                color: 1,
                dashed: true,
            },
        ];
        let svg = bandwidth_svg("Rust", &series).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..60]);
        for name in [
            "memcpy",
            "typed, concurrency on",
            "Rust",
            "payload size",
            "bandwidth, GB/s",
        ] {
            assert!(svg.contains(name), "{name} is not in the plot");
        }
        assert!(bandwidth_svg("empty", &[]).is_err());
    }

    #[test]
    fn axis_labels_keep_significant_digits() {
        assert_eq!(format_gbps(12.34), "12");
        assert_eq!(format_gbps(1.25), "1.2");
        assert_eq!(format_gbps(0.047), "0.05");
    }
}
