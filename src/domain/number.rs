//! Exact numbers: [`Points`] in tenths of a point, and [`Decimal`] for the
//! facts units report (areas, money, ratios). No floats take part in scoring.

use std::cmp::Ordering;
use std::fmt;

/// A score in tenths of a point (4.5 points = `Points(45)`).
///
/// Checklist maxima are multiples of 0.5, `linear` rounds down to 0.5 and the
/// rescaled total is rounded half up to one decimal, so tenths are exact for
/// every figure the contract produces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(pub i32);

impl Points {
    pub const ZERO: Points = Points(0);

    /// Whole points, e.g. `Points::whole(4)` is 4.0.
    pub const fn whole(points: i32) -> Points {
        Points(points * 10)
    }

    pub const fn tenths(self) -> i32 {
        self.0
    }

    /// The value as a JSON-friendly float; exact because tenths are small.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 10.0
    }

    /// Converts an exact decimal into tenths; `None` when it has a finer fraction
    /// than 0.1 or does not fit.
    pub fn from_decimal(value: Decimal) -> Option<Points> {
        let tenths = value.scaled_to(1)?;
        i32::try_from(tenths).ok().map(Points)
    }

    /// The multiple of `step` nearest below or equal, for non-negative values.
    pub fn floor_to(self, step: Points) -> Points {
        if step.0 <= 0 {
            return self;
        }
        Points(self.0.div_euclid(step.0) * step.0)
    }

    pub fn is_multiple_of(self, step: Points) -> bool {
        step.0 > 0 && self.0 % step.0 == 0
    }
}

/// Serialised as a JSON number with at most one decimal (88.5, 100.0).
impl serde::Serialize for Points {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Points {
    type Output = Points;
    fn sub(self, rhs: Points) -> Points {
        Points(self.0 - rhs.0)
    }
}

impl std::ops::AddAssign for Points {
    fn add_assign(&mut self, rhs: Points) {
        self.0 += rhs.0;
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        Points(iter.map(|p| p.0).sum())
    }
}

/// "4", "3.5", "-0.5": no trailing ".0", as people write scores.
impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        if abs.is_multiple_of(10) {
            write!(f, "{sign}{}", abs / 10)
        } else {
            write!(f, "{sign}{}.{}", abs / 10, abs % 10)
        }
    }
}

/// The largest number of fraction digits kept; finer digits are rounded.
const MAX_SCALE: u32 = 18;
/// Values beyond this magnitude are refused; no archive fact comes near it.
const MAX_UNITS: i128 = 10i128.pow(36);

/// An exact decimal number `units / 10^scale`, normalised (no trailing zero
/// fraction digits), so equal values compare and hash equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    units: i128,
    scale: u32,
}

impl Decimal {
    pub const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    pub fn from_int(value: i64) -> Decimal {
        Decimal {
            units: i128::from(value),
            scale: 0,
        }
    }

    fn new(mut units: i128, mut scale: u32) -> Decimal {
        while scale > 0 && units % 10 == 0 {
            units /= 10;
            scale -= 1;
        }
        Decimal { units, scale }
    }

    /// Parses plain ASCII decimal text: an optional sign, digits, an optional
    /// fraction. No exponent, no separators (callers strip those first).
    pub fn parse(text: &str) -> Option<Decimal> {
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = match body.split_once('.') {
            Some((w, f)) => (w, f),
            None => (body, ""),
        };
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let mut units: i128 = 0;
        for b in whole.bytes() {
            units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
            if units > MAX_UNITS {
                return None;
            }
        }
        let mut scale = 0;
        let mut round_up = false;
        for b in fraction.bytes() {
            let digit = i128::from(b - b'0');
            if scale == MAX_SCALE {
                // Half up on the first dropped digit; further digits are noise.
                round_up = digit >= 5;
                break;
            }
            units = units.checked_mul(10)?.checked_add(digit)?;
            scale += 1;
        }
        if round_up {
            units += 1;
        }
        if units > MAX_UNITS {
            return None;
        }
        Some(Decimal::new(if negative { -units } else { units }, scale))
    }

    /// The shortest decimal that reads back as this float, which is what a
    /// spreadsheet shows for a typed number (0.1 stays 0.1, not 0.1000000000000000055).
    pub fn from_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        // Rust prints floats without exponent, in the shortest round-trip form.
        Decimal::parse(&format!("{value}"))
    }

    pub fn is_negative(self) -> bool {
        self.units < 0
    }

    pub fn is_zero(self) -> bool {
        self.units == 0
    }

    pub fn is_integer(self) -> bool {
        self.scale == 0
    }

    /// The nearest float, for writing into spreadsheets (which hold floats).
    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The whole value when it has no fraction and fits.
    pub fn as_i64(self) -> Option<i64> {
        if self.scale == 0 {
            i64::try_from(self.units).ok()
        } else {
            None
        }
    }

    /// `value × 10^scale` when that is whole, e.g. 3.5 scaled to 1 is 35.
    pub fn scaled_to(self, scale: u32) -> Option<i128> {
        if self.scale > scale {
            return None;
        }
        self.units
            .checked_mul(10i128.checked_pow(scale - self.scale)?)
    }

    pub fn checked_mul_int(self, factor: i64) -> Option<Decimal> {
        let units = self.units.checked_mul(i128::from(factor))?;
        (units.abs() <= MAX_UNITS).then(|| Decimal::new(units, self.scale))
    }

    /// The two values over one common denominator: (a, b, scale).
    fn aligned(self, other: Decimal) -> (i128, i128, u32) {
        let scale = self.scale.max(other.scale);
        // Both magnitudes are below 10^36 and scales at most 18, so this fits i128
        // only after checking; saturate instead of overflowing.
        let lift = |d: Decimal| {
            d.units
                .checked_mul(10i128.pow(scale - d.scale))
                .unwrap_or(if d.units < 0 { i128::MIN } else { i128::MAX })
        };
        (lift(self), lift(other), scale)
    }

    /// `floor(self × numerator / other)` for non-negative `self` and positive `other`,
    /// computed exactly; used by the `linear` rule.
    pub fn mul_div_floor(self, numerator: i64, other: Decimal) -> Option<i64> {
        if other.units <= 0 {
            return None;
        }
        let (a, b, _) = self.aligned(other);
        let product = a.checked_mul(i128::from(numerator))?;
        i64::try_from(product.div_euclid(b)).ok()
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b, _) = self.aligned(*other);
        a.cmp(&b)
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let sign = if self.units < 0 { "-" } else { "" };
        let abs = self.units.unsigned_abs();
        let divisor = 10u128.pow(self.scale);
        write!(
            f,
            "{sign}{}.{:0width$}",
            abs / divisor,
            abs % divisor,
            width = self.scale as usize
        )
    }
}

impl From<Points> for Decimal {
    fn from(p: Points) -> Decimal {
        Decimal::new(i128::from(p.0), 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn points_display_without_trailing_zero() {
        assert_eq!(Points(40).to_string(), "4");
        assert_eq!(Points(35).to_string(), "3.5");
        assert_eq!(Points(0).to_string(), "0");
        assert_eq!(Points(-5).to_string(), "-0.5");
        assert_eq!(Points(885).as_f64(), 88.5);
    }

    #[test]
    fn points_floor_to_half() {
        assert_eq!(Points(37).floor_to(Points(5)), Points(35));
        assert_eq!(Points(35).floor_to(Points(5)), Points(35));
        assert_eq!(Points(4).floor_to(Points(5)), Points(0));
        assert!(Points(35).is_multiple_of(Points(5)));
        assert!(!Points(35).is_multiple_of(Points(10)));
    }

    #[test]
    fn decimal_parses_and_normalises() {
        assert_eq!(d("40"), d("40.000"));
        assert_eq!(d("0.50").to_string(), "0.5");
        assert_eq!(d("-1.25").to_string(), "-1.25");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("5.").to_string(), "5");
        assert!(Decimal::parse("").is_none());
        assert!(Decimal::parse("1e3").is_none());
        assert!(Decimal::parse("1,000").is_none());
        assert!(Decimal::parse("-").is_none());
        assert!(Decimal::parse(".").is_none());
    }

    #[test]
    fn decimal_from_float_is_what_the_sheet_shows() {
        assert_eq!(Decimal::from_f64(0.1).unwrap(), d("0.1"));
        assert_eq!(
            Decimal::from_f64(330102001.0).unwrap().as_i64(),
            Some(330102001)
        );
        assert_eq!(
            Decimal::from_f64(0.1 + 0.2).unwrap(),
            d("0.30000000000000004")
        );
        assert!(Decimal::from_f64(f64::NAN).is_none());
        assert!(Decimal::from_f64(1e300).is_none());
    }

    #[test]
    fn decimal_orders_across_scales() {
        assert!(d("39.99") < d("40"));
        assert!(d("40") >= d("40.0"));
        assert!(d("-1") < d("0.001"));
        assert_eq!(d("12.5").max(d("12.49")), d("12.5"));
    }

    #[test]
    fn decimal_to_points() {
        assert_eq!(Points::from_decimal(d("3.5")), Some(Points(35)));
        assert_eq!(Points::from_decimal(d("3.25")), None);
        assert_eq!(Points::from_decimal(d("100")), Some(Points(1000)));
    }

    #[test]
    fn mul_div_floor_is_exact() {
        // 4 points (40 tenths) × 33.3 / 100 = 13.32 → 13
        assert_eq!(d("33.3").mul_div_floor(40, d("100")), Some(13));
        assert_eq!(d("50").mul_div_floor(40, d("100")), Some(20));
        assert_eq!(d("1").mul_div_floor(10, d("3")), Some(3));
        assert_eq!(d("1").mul_div_floor(10, Decimal::ZERO), None);
    }

    #[test]
    fn overlong_fractions_round_half_up() {
        assert_eq!(
            d("0.1234567890123456789").to_string(),
            "0.123456789012345679"
        );
    }

    #[test]
    fn twenty_or_more_fraction_digits_still_round_half_up() {
        // The 19th digit decides, whatever follows it.
        assert_eq!(
            d("0.12345678901234567890").to_string(),
            "0.123456789012345679"
        );
        assert_eq!(
            d("0.1234567890123456785000000").to_string(),
            "0.123456789012345679"
        );
        assert_eq!(
            d("0.1234567890123456784999999").to_string(),
            "0.123456789012345678"
        );
        assert_eq!(d("-2.99999999999999999999").to_string(), "-3");
        assert_eq!(
            d("0.00000000000000000050").to_string(),
            "0.000000000000000001"
        );
        assert_eq!(d("0.00000000000000000049").to_string(), "0");
    }
}
