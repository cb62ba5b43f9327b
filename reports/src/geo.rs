//! Boundaries for the maps, embedded at build time from `reports/data/boundaries/`
//! (GeoJSON, `[lng, lat]`, area code in the `kode` property; MIT, Cahya DSN, see
//! `data/boundaries/NOTICE.md`). Kecamatan boundaries exist only for provinces
//! 32, 64, 65 and 94; kab/kota and provinces for all.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

const KABUPATEN: &str = include_str!("../data/boundaries/kabupaten.geojson");
const PROVINSI: &str = include_str!("../data/boundaries/provinsi.geojson");
const KECAMATAN: [(&str, &str); 4] = [
    (
        "32",
        include_str!("../data/boundaries/kecamatan_32.geojson"),
    ),
    (
        "64",
        include_str!("../data/boundaries/kecamatan_64.geojson"),
    ),
    (
        "65",
        include_str!("../data/boundaries/kecamatan_65.geojson"),
    ),
    (
        "94",
        include_str!("../data/boundaries/kecamatan_94.geojson"),
    ),
];

/// Longitude, latitude.
pub type LngLat = (f64, f64);

/// One polygon: exterior ring first, then holes.
pub type Rings = Vec<Vec<LngLat>>;

pub struct Feature {
    pub code: String,
    pub name: String,
    pub polygons: Vec<Rings>,
    /// min lng, min lat, max lng, max lat
    pub bbox: [f64; 4],
}

pub struct Layer {
    pub features: Vec<Feature>,
    index: HashMap<String, usize>,
}

impl Layer {
    pub fn get(&self, code: &str) -> Option<&Feature> {
        self.index.get(code).map(|&i| &self.features[i])
    }

    fn parse(text: &str) -> Layer {
        let json: Value = serde_json::from_str(text).expect("embedded GeoJSON is valid");
        let mut features = Vec::new();
        for f in json["features"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let code = f["properties"]["kode"].as_str().unwrap_or("").to_string();
            let name = f["properties"]["nama"].as_str().unwrap_or("").to_string();
            let g = &f["geometry"];
            let polygons: Vec<Rings> = match g["type"].as_str() {
                Some("Polygon") => vec![rings(&g["coordinates"])],
                Some("MultiPolygon") => g["coordinates"]
                    .as_array()
                    .map(|a| a.iter().map(rings).collect())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let mut bbox = [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ];
            for p in polygons.iter().filter_map(|r| r.first()).flatten() {
                bbox[0] = bbox[0].min(p.0);
                bbox[1] = bbox[1].min(p.1);
                bbox[2] = bbox[2].max(p.0);
                bbox[3] = bbox[3].max(p.1);
            }
            if !code.is_empty() && !polygons.is_empty() {
                features.push(Feature {
                    code,
                    name,
                    polygons,
                    bbox,
                });
            }
        }
        let index = features
            .iter()
            .enumerate()
            .map(|(i, f)| (f.code.clone(), i))
            .collect();
        Layer { features, index }
    }
}

fn rings(v: &Value) -> Rings {
    v.as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    r.as_array()
                        .map(|pts| {
                            pts.iter()
                                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .filter(|r: &Vec<LngLat>| r.len() >= 3)
                .collect()
        })
        .unwrap_or_default()
}

pub fn kabupaten() -> &'static Layer {
    static L: OnceLock<Layer> = OnceLock::new();
    L.get_or_init(|| Layer::parse(KABUPATEN))
}

pub fn provinsi() -> &'static Layer {
    static L: OnceLock<Layer> = OnceLock::new();
    L.get_or_init(|| Layer::parse(PROVINSI))
}

/// Kecamatan boundaries of province `pp`, if shipped.
pub fn kecamatan(pp: &str) -> Option<&'static Layer> {
    static L: OnceLock<Vec<(&'static str, Layer)>> = OnceLock::new();
    let all = L.get_or_init(|| {
        KECAMATAN
            .iter()
            .map(|(p, t)| (*p, Layer::parse(t)))
            .collect()
    });
    all.iter().find(|(p, _)| *p == pp).map(|(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn layers_parse() {
        assert_eq!(kabupaten().features.len(), 514);
        let mimika = kabupaten().get("94.04").unwrap();
        assert!(mimika.bbox[0] > 134.0 && mimika.bbox[2] < 139.0 && mimika.bbox[1] < -4.0);
        assert!(kecamatan("94").unwrap().get("94.04.02").is_some());
        assert!(kecamatan("11").is_none());
        assert_eq!(provinsi().features.len(), 38);
    }
}
