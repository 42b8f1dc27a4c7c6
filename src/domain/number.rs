//! Exact numbers: [`Points`] in hundredths of a point, [`Decimal`] for the
//! facts units report (areas, money, ratios), and [`Ratio`] for what lies
//! between (rescaled and weighted totals, formulas) until the one final
//! rounding. No floats take part in scoring.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

/// An exact rational number (arbitrary precision, never overflows).
pub type Ratio = num_rational::BigRational;

/// A score in hundredths of a point (4.5 points = `Points(450)`).
///
/// Published scoring tables give points as fine as 0.01 (每项 0.04 分, 缺 1 项
/// 扣 0.25 分); every item's points and every rounded total (one or two
/// decimals) are whole hundredths. What lies between — a rescaled or
/// weighted total, a formula — is a [`Ratio`] until it is rounded once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(pub i32);

impl Points {
    pub const ZERO: Points = Points(0);
    /// 0.5, the default step of `self` and `linear` items.
    pub const HALF: Points = Points(50);
    /// 0.01, the finest step.
    pub const HUNDREDTH: Points = Points(1);

    /// Whole points, e.g. `Points::whole(4)` is 4.00.
    pub const fn whole(points: i32) -> Points {
        Points(points * 100)
    }

    pub const fn hundredths(self) -> i32 {
        self.0
    }

    /// The value as a JSON-friendly float (88.5, 0.04); exact to two
    /// decimals because hundredths are small integers.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// Converts an exact decimal into hundredths; `None` when it has a finer
    /// fraction than 0.01 or does not fit.
    pub fn from_decimal(value: Decimal) -> Option<Points> {
        let hundredths = value.scaled_to(2)?;
        i32::try_from(hundredths).ok().map(Points)
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

    /// The exact value as a ratio.
    pub fn to_ratio(self) -> Ratio {
        Ratio::new(BigInt::from(self.0), BigInt::from(100))
    }

    /// The largest multiple of `step` not above `value` (for `value ≥ 0`),
    /// saturating at the i32 range.
    pub fn floor_ratio(value: &Ratio, step: Points) -> Points {
        let step = step.0.max(1);
        let steps = (value * BigInt::from(100) / BigInt::from(step)).floor();
        let steps = steps
            .to_integer()
            .to_i64()
            .unwrap_or(if value.is_negative() {
                i64::MIN
            } else {
                i64::MAX
            });
        Points(
            steps
                .saturating_mul(i64::from(step))
                .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        )
    }

    /// `value` rounded half up (away from zero for halves of positive
    /// values) to `decimals` places (1 or 2), in hundredths.
    pub fn round_ratio(value: &Ratio, decimals: u8) -> Points {
        let unit: i64 = if decimals >= 2 { 1 } else { 10 };
        let scaled = value * BigInt::from(100) / BigInt::from(unit);
        // Half up: floor(x + 1/2).
        let rounded = (scaled + Ratio::new(BigInt::from(1), BigInt::from(2))).floor();
        let units = rounded
            .to_integer()
            .to_i64()
            .unwrap_or(if value.is_negative() {
                i64::MIN
            } else {
                i64::MAX
            });
        Points(
            units
                .saturating_mul(unit)
                .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        )
    }
}

/// Serialised as a JSON number with at most two decimals (88.5, 100.0, 0.04).
impl serde::Serialize for Points {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

/// Read back from JSON as written by `Serialize` (a number with at most two
/// decimals).
impl<'de> serde::Deserialize<'de> for Points {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
        let value = f64::deserialize(d)?;
        let hundredths = (value * 100.0).round();
        if hundredths.is_finite() && hundredths.abs() < f64::from(i32::MAX) {
            Ok(Points(hundredths as i32))
        } else {
            Err(serde::de::Error::custom("points out of range"))
        }
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

/// "4", "3.5", "0.04", "-0.5": no trailing zeros, as people write scores.
impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, fraction) = (abs / 100, abs % 100);
        match fraction {
            0 => write!(f, "{sign}{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{whole}.{}", f10 / 10),
            _ => write!(f, "{sign}{whole}.{fraction:02}"),
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

    pub const fn from_int(value: i64) -> Decimal {
        Decimal {
            units: value as i128,
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

    /// `self + other`, `None` past the supported magnitude.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let lift = |d: Decimal| d.units.checked_mul(10i128.checked_pow(scale - d.scale)?);
        let units = lift(self)?.checked_add(lift(other)?)?;
        (units.abs() <= MAX_UNITS).then(|| Decimal::new(units, scale))
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

/// Serialised as its exact decimal text ("12.5"), never a float.
impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<Points> for Decimal {
    fn from(p: Points) -> Decimal {
        Decimal::new(i128::from(p.0), 2)
    }
}

impl Decimal {
    /// The exact value as a ratio.
    pub fn to_ratio(self) -> Ratio {
        Ratio::new(BigInt::from(self.units), BigInt::from(10u8).pow(self.scale))
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
        assert_eq!(Points(400).to_string(), "4");
        assert_eq!(Points(350).to_string(), "3.5");
        assert_eq!(Points(4).to_string(), "0.04");
        assert_eq!(Points(125).to_string(), "1.25");
        assert_eq!(Points(0).to_string(), "0");
        assert_eq!(Points(-50).to_string(), "-0.5");
        assert_eq!(Points(8850).as_f64(), 88.5);
        assert_eq!(Points(4).as_f64(), 0.04);
    }

    #[test]
    fn points_floor_to_half() {
        assert_eq!(Points(370).floor_to(Points::HALF), Points(350));
        assert_eq!(Points(350).floor_to(Points::HALF), Points(350));
        assert_eq!(Points(40).floor_to(Points::HALF), Points(0));
        assert!(Points(350).is_multiple_of(Points::HALF));
        assert!(!Points(350).is_multiple_of(Points(100)));
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
        assert_eq!(Points::from_decimal(d("3.5")), Some(Points(350)));
        assert_eq!(Points::from_decimal(d("3.25")), Some(Points(325)));
        assert_eq!(Points::from_decimal(d("0.04")), Some(Points(4)));
        assert_eq!(Points::from_decimal(d("3.255")), None);
        assert_eq!(Points::from_decimal(d("100")), Some(Points(10000)));
    }

    fn r(n: i64, d: i64) -> Ratio {
        Ratio::new(BigInt::from(n), BigInt::from(d))
    }

    #[test]
    fn ratios_round_once_half_up() {
        // (value, decimals, expected hundredths)
        let cases = [
            (r(885, 10), 1, 8850),
            (r(8849, 100), 1, 8850),
            (r(8845, 100), 1, 8850),
            (r(88449, 1000), 1, 8840),
            (r(1, 3), 2, 33),
            (r(2, 3), 2, 67),
            (r(1, 200), 2, 1),
            (r(1, 201), 2, 0),
            (r(100, 1), 1, 10000),
            (r(0, 1), 2, 0),
        ];
        for (value, decimals, expected) in cases {
            assert_eq!(
                Points::round_ratio(&value, decimals),
                Points(expected),
                "{value} {decimals}"
            );
        }
    }

    #[test]
    fn ratios_floor_to_a_step() {
        assert_eq!(Points::floor_ratio(&r(37, 10), Points::HALF), Points(350));
        assert_eq!(Points::floor_ratio(&r(1, 3), Points::HUNDREDTH), Points(33));
        assert_eq!(Points::floor_ratio(&r(4, 1), Points(4)), Points(400));
        assert_eq!(d("2.5").to_ratio(), r(5, 2));
        assert_eq!(Points(125).to_ratio(), r(5, 4));
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
