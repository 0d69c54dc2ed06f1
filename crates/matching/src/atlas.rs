//! County seats and the great-circle distance between them, for proximity.

use std::collections::HashMap;

use peitao_domain::{Region, RegionCode};

/// The mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point on the Earth in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seat {
    pub longitude: f64,
    pub latitude: f64,
}

impl Seat {
    /// A seat from finite coordinates within their ranges; `None` otherwise.
    pub fn new(longitude: f64, latitude: f64) -> Option<Self> {
        let valid = longitude.is_finite()
            && latitude.is_finite()
            && (-180.0..=180.0).contains(&longitude)
            && (-90.0..=90.0).contains(&latitude);
        valid.then_some(Self {
            longitude,
            latitude,
        })
    }

    /// The point as a unit vector, which makes repeated distances cheap.
    pub(crate) fn unit_vector(self) -> [f64; 3] {
        let (lon, lat) = (self.longitude.to_radians(), self.latitude.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }
}

/// The great-circle distance in kilometres between two points.
pub fn great_circle_km(a: Seat, b: Seat) -> f64 {
    chord_km(a.unit_vector(), b.unit_vector())
}

/// The great-circle distance between two unit vectors: `2R·asin(|a − b| / 2)`, well-conditioned
/// for near and far points alike.
pub(crate) fn chord_km(a: [f64; 3], b: [f64; 3]) -> f64 {
    let chord = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
    2.0 * EARTH_RADIUS_KM * (chord / 2.0).min(1.0).asin()
}

/// The seats of counties, by region code. A county without a seat has an unknown distance to
/// everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Atlas {
    seats: HashMap<RegionCode, Seat>,
}

impl Atlas {
    /// An atlas without any seat.
    pub fn new() -> Self {
        Self::default()
    }

    /// The seats of those regions that have valid coordinates; the others are left out.
    pub fn from_regions(regions: &[Region]) -> Self {
        Self::from_pairs(
            regions
                .iter()
                .filter_map(|region| Some((region.code, region.longitude?, region.latitude?))),
        )
    }

    /// Seats from `(code, longitude, latitude)`; invalid coordinates are left out, and a later
    /// entry for a code replaces an earlier one.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (RegionCode, f64, f64)>) -> Self {
        let seats = pairs
            .into_iter()
            .filter_map(|(code, longitude, latitude)| Some((code, Seat::new(longitude, latitude)?)))
            .collect();
        Self { seats }
    }

    /// Records or replaces the seat of `code`; invalid coordinates are ignored, returning false.
    pub fn insert(&mut self, code: RegionCode, longitude: f64, latitude: f64) -> bool {
        match Seat::new(longitude, latitude) {
            Some(seat) => {
                self.seats.insert(code, seat);
                true
            }
            None => false,
        }
    }

    /// The seat of `code`, if known.
    pub fn seat(&self, code: &RegionCode) -> Option<Seat> {
        self.seats.get(code).copied()
    }

    /// The great-circle distance between two counties' seats; `None` when either is unknown.
    pub fn distance_km(&self, a: &RegionCode, b: &RegionCode) -> Option<f64> {
        Some(great_circle_km(self.seat(a)?, self.seat(b)?))
    }

    /// How many seats the atlas holds.
    pub fn len(&self) -> usize {
        self.seats.len()
    }

    /// Whether the atlas holds no seat.
    pub fn is_empty(&self) -> bool {
        self.seats.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use peitao_domain::RegionLevel;

    use super::*;

    fn code(raw: &str) -> RegionCode {
        RegionCode::parse(raw).unwrap()
    }

    #[test]
    fn wuhan_to_xiangyang_is_about_270_km() {
        let atlas = Atlas::from_pairs([
            (code("420102"), 114.30, 30.60),
            (code("420606"), 112.14, 32.04),
        ]);
        let km = atlas.distance_km(&code("420102"), &code("420606")).unwrap();
        assert!((240.0..280.0).contains(&km), "{km}");
        assert_eq!(
            atlas.distance_km(&code("420102"), &code("420102")),
            Some(0.0)
        );
    }

    #[test]
    fn regions_without_coordinates_have_no_distance() {
        let region = |raw: &str, lon: Option<f64>| Region {
            code: code(raw),
            name: raw.to_owned(),
            parent_code: None,
            level: RegionLevel::County,
            longitude: lon,
            latitude: Some(30.0),
        };
        let atlas = Atlas::from_regions(&[
            region("420102", Some(114.3)),
            region("420821", None),
            region("420606", Some(f64::NAN)),
        ]);
        assert_eq!(atlas.len(), 1);
        assert_eq!(atlas.distance_km(&code("420102"), &code("420821")), None);
        assert_eq!(atlas.seat(&code("420606")), None);
    }
}
