//! Pricing: the only place totals are computed, on the server, in integer cents.
//!
//! Rules (documented in the README):
//! 1. A line starts at unit price × quantity.
//! 2. Line discounts apply to their line in the order they were given; cart discounts then
//!    apply to the sum of the discounted lines, also in order.
//! 3. A percentage discount takes `amount × basis_points / 10 000`, rounded half up to the
//!    cent (so 10% of $0.05 is $0.01, and 10% of $0.04 is $0.00).
//! 4. A fixed discount takes its amount, but never more than what is left: no line and no
//!    cart ever goes below zero.
//! 5. Totals are recomputed from scratch from the lines and the discounts still in force, so
//!    removing a discount restores exactly the total there was without it.
//! 6. A discount given under a cap (a sales rep's) carries that cap, and the capped discounts
//!    of a cart together never take more than the cap's share of the cart's *current*
//!    subtotal, each allowed to round half a cent up: with `k` capped discounts so far, they
//!    take at most `(cap × subtotal + 5 000 × k) / 10 000` cents, rounded down. A capped
//!    discount that would take more takes only what is left of that allowance. So whatever
//!    later happens to the cart (quantities lowered, lines removed, by either side), a rep's
//!    $44.10 fixed discount on a $294 cart never becomes 90% off a $49 one.

use serde::{Deserialize, Serialize};

/// How much a discount takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiscountKind {
    /// Basis points: 1000 is 10%.
    Percent { basis_points: i64 },
    /// Cents.
    Fixed { amount_cents: i64 },
}

/// A discount in force on a cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    pub discount_id: i64,
    /// `Some(product_id)` for a line discount, `None` for the whole cart.
    pub product_id: Option<i64>,
    pub kind: DiscountKind,
    pub reason: String,
    /// Display name of the rep who gave it.
    pub given_by: String,
    /// The cap it was given under, in basis points of the subtotal (rule 6); `None` for a
    /// discount manager's, which no cap limits.
    #[serde(default)]
    pub cap_basis_points: Option<i64>,
}

impl Discount {
    /// "10%" or "$5.00".
    pub fn describe(&self) -> String {
        self.kind.describe()
    }
}

impl DiscountKind {
    /// "10%", "12.5%" or "$5.00".
    pub fn describe(&self) -> String {
        match *self {
            DiscountKind::Percent { basis_points } => percent(basis_points),
            DiscountKind::Fixed { amount_cents } => super::money::format_cents(amount_cents),
        }
    }
}

/// A line to price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineInput {
    pub product_id: i64,
    pub unit_price_cents: i64,
    pub quantity: i64,
}

/// A priced line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricedLine {
    pub product_id: i64,
    /// Unit price × quantity.
    pub base_cents: i64,
    /// Taken off by line discounts.
    pub discount_cents: i64,
    /// What the line costs.
    pub total_cents: i64,
}

/// The priced cart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedCart {
    pub lines: Vec<PricedLine>,
    /// Sum of the lines' bases, before any discount.
    pub subtotal_cents: i64,
    /// Sum of the lines' totals (after line discounts).
    pub lines_total_cents: i64,
    /// Taken off by cart discounts.
    pub cart_discount_cents: i64,
    /// What the shopper pays.
    pub total_cents: i64,
    /// How much each discount took, by `discount_id`, in the order given.
    pub taken: Vec<(i64, i64)>,
    /// Capped discounts that asked for more than their cap allowed (rule 6) and took less.
    pub held_back: Vec<i64>,
}

impl PricedCart {
    /// What the discount `discount_id` took (0 when it is not in force).
    pub fn taken_by(&self, discount_id: i64) -> i64 {
        self.taken
            .iter()
            .find(|(id, _)| *id == discount_id)
            .map_or(0, |(_, off)| *off)
    }
}

/// The most `capped_count` discounts under `cap_basis_points` may take together from a cart
/// whose subtotal is `subtotal` (rule 6): the cap's share, each discount allowed to round
/// half a cent up.
pub fn cap_allowance(cap_basis_points: i64, subtotal: i64, capped_count: i64) -> i64 {
    let allowance = i128::from(cap_basis_points.clamp(0, 10_000)) * i128::from(subtotal.max(0))
        + 5_000 * i128::from(capped_count.max(0));
    (allowance / 10_000).min(i128::from(i64::MAX)) as i64
}

/// Where a capped rep stands on one cart (rule 6), as the discount form shows it before the
/// rep submits and as a refusal explains it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiscountCap {
    pub cap_basis_points: i64,
    pub subtotal_cents: i64,
    /// The most all the cart's discounts may take together: the cap's share of the subtotal.
    pub allowance_cents: i64,
    /// What the cart's discounts take now (a manager's included).
    pub taken_cents: i64,
    /// What a new capped discount may still take.
    pub left_cents: i64,
}

impl DiscountCap {
    /// The cap on a cart whose subtotal is `subtotal_cents` and whose discounts take
    /// `taken_cents`.
    pub fn new(cap_basis_points: i64, subtotal_cents: i64, taken_cents: i64) -> Self {
        let allowance_cents = cap_allowance(cap_basis_points, subtotal_cents, 1);
        Self {
            cap_basis_points,
            subtotal_cents,
            allowance_cents,
            taken_cents,
            left_cents: (allowance_cents - taken_cents).max(0),
        }
    }

    /// "cap 15% — 5% left ($7.50)".
    pub fn summary(&self) -> String {
        format!(
            "cap {} — {} left ({})",
            percent(self.cap_basis_points),
            self.share(self.left_cents),
            super::money::format_cents(self.left_cents)
        )
    }

    /// `cents` as a share of the subtotal: "12.5%".
    pub fn share(&self, cents: i64) -> String {
        if self.subtotal_cents <= 0 {
            return "0%".into();
        }
        percent(
            (i128::from(cents) * 10_000 / i128::from(self.subtotal_cents))
                .clamp(0, i128::from(i64::MAX)) as i64,
        )
    }

    /// Why a discount asking for `asked` (described, e.g. "50% off the whole cart", taking
    /// `asked_cents` uncapped) is refused: what the rep typed, set against the cart's share.
    pub fn refusal(&self, asked: &str, asked_cents: i64) -> String {
        format!(
            "You asked for {asked}: {} ({} of this cart). Sales reps may give up to {} of this \
             cart ({}) across all its discounts; {} is taken already, so {} ({}) is left. \
             Ask a discount manager for more.",
            super::money::format_cents(asked_cents),
            self.share(asked_cents),
            percent(self.cap_basis_points),
            super::money::format_cents(self.allowance_cents),
            super::money::format_cents(self.taken_cents),
            super::money::format_cents(self.left_cents),
            self.share(self.left_cents),
        )
    }
}

/// Basis points as a percentage: 1500 → "15%", 1250 → "12.5%".
pub fn percent(basis_points: i64) -> String {
    let text = format!("{}.{:02}", basis_points / 100, (basis_points % 100).abs());
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// Enforces rule 6 while discounts are applied in order.
#[derive(Default)]
struct CapBudget {
    subtotal: i64,
    capped_count: i64,
    capped_taken: i64,
    held_back: Vec<i64>,
}

impl CapBudget {
    /// What `discount` may take, given that it would take `off` of `amount` on its own.
    fn limit(&mut self, discount: &Discount, amount: i64, off: i64) -> i64 {
        let Some(cap) = discount.cap_basis_points else {
            return off;
        };
        self.capped_count += 1;
        let left =
            (cap_allowance(cap, self.subtotal, self.capped_count) - self.capped_taken).max(0);
        // What the discount asks for: a fixed amount asks for all of it, even when the cart
        // holds less right now (an empty cart must not accept a $1,000,000 discount).
        let asked = match discount.kind {
            DiscountKind::Fixed { amount_cents } => amount_cents.max(0),
            DiscountKind::Percent { .. } => off,
        };
        if asked > left {
            self.held_back.push(discount.discount_id);
        }
        let off = off.min(left).min(amount);
        self.capped_taken += off;
        off
    }
}

/// What a discount takes from `amount` (rules 3 and 4).
pub fn discount_off(amount: i64, kind: DiscountKind) -> i64 {
    let amount = amount.max(0);
    let wanted = match kind {
        DiscountKind::Percent { basis_points } => {
            let basis_points = basis_points.clamp(0, 10_000);
            // i128: no overflow even for absurd carts.
            ((i128::from(amount) * i128::from(basis_points) + 5_000) / 10_000) as i64
        }
        DiscountKind::Fixed { amount_cents } => amount_cents.max(0),
    };
    wanted.min(amount)
}

/// Prices lines under discounts (given in the order they were made).
pub fn price(lines: &[LineInput], discounts: &[Discount]) -> PricedCart {
    let mut taken = Vec::with_capacity(discounts.len());
    let mut budget = CapBudget {
        subtotal: lines
            .iter()
            .map(|line| line.unit_price_cents.saturating_mul(line.quantity).max(0))
            .fold(0i64, i64::saturating_add),
        ..CapBudget::default()
    };
    let priced: Vec<PricedLine> = lines
        .iter()
        .map(|line| {
            let base = line.unit_price_cents.saturating_mul(line.quantity).max(0);
            let mut total = base;
            for discount in discounts
                .iter()
                .filter(|d| d.product_id == Some(line.product_id))
            {
                let off = budget.limit(discount, total, discount_off(total, discount.kind));
                total -= off;
                taken.push((discount.discount_id, off));
            }
            PricedLine {
                product_id: line.product_id,
                base_cents: base,
                discount_cents: base - total,
                total_cents: total,
            }
        })
        .collect();
    let subtotal_cents = priced.iter().map(|l| l.base_cents).sum();
    let lines_total_cents: i64 = priced.iter().map(|l| l.total_cents).sum();
    let mut total = lines_total_cents;
    for discount in discounts.iter().filter(|d| d.product_id.is_none()) {
        let off = budget.limit(discount, total, discount_off(total, discount.kind));
        total -= off;
        taken.push((discount.discount_id, off));
    }
    // Discounts on products no longer in the cart take nothing.
    for discount in discounts {
        if !taken.iter().any(|(id, _)| *id == discount.discount_id) {
            taken.push((discount.discount_id, 0));
        }
    }
    PricedCart {
        lines: priced,
        subtotal_cents,
        lines_total_cents,
        cart_discount_cents: lines_total_cents - total,
        total_cents: total,
        taken,
        held_back: budget.held_back,
    }
}

#[cfg(test)]
mod cap_tests {
    use super::{percent, DiscountCap};

    #[test]
    fn the_cap_says_what_is_left_and_a_refusal_sets_what_was_typed_against_the_carts_share() {
        assert_eq!(percent(1500), "15%");
        assert_eq!(percent(1250), "12.5%");
        assert_eq!(percent(5), "0.05%");
        // $150 cart, cap 15% ($22.50), $7.50 (5%) already given.
        let cap = DiscountCap::new(1500, 15_000, 750);
        assert_eq!(cap.left_cents, 1500);
        assert_eq!(cap.summary(), "cap 15% — 10% left ($15.00)");
        let refusal = cap.refusal("50% off the whole cart", 7_500);
        assert!(
            refusal.starts_with("You asked for 50% off the whole cart: $75.00 (50% of this cart)."),
            "{refusal}"
        );
        assert!(
            refusal.contains("up to 15% of this cart ($22.50)"),
            "{refusal}"
        );
        assert!(
            refusal.contains("$7.50 is taken already, so $15.00 (10%) is left"),
            "{refusal}"
        );
        assert_eq!(
            DiscountCap::new(1500, 10_000, 2_000).left_cents,
            0,
            "never negative"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn percent(id: i64, product_id: Option<i64>, basis_points: i64) -> Discount {
        Discount {
            discount_id: id,
            product_id,
            kind: DiscountKind::Percent { basis_points },
            reason: "test".into(),
            given_by: "rep".into(),
            cap_basis_points: None,
        }
    }

    fn capped(discount: Discount) -> Discount {
        Discount {
            cap_basis_points: Some(1500),
            ..discount
        }
    }

    fn line(product_id: i64, unit_price_cents: i64, quantity: i64) -> LineInput {
        LineInput {
            product_id,
            unit_price_cents,
            quantity,
        }
    }

    fn capped_taken(priced: &PricedCart, discounts: &[Discount]) -> (i64, i64) {
        let capped: Vec<&Discount> = discounts
            .iter()
            .filter(|d| d.cap_basis_points.is_some())
            .collect();
        (
            capped.iter().map(|d| priced.taken_by(d.discount_id)).sum(),
            capped.len() as i64,
        )
    }

    #[test]
    fn a_capped_fixed_discount_follows_the_subtotal_down() {
        let discounts = [capped(fixed(1, None, 4410))];
        assert_eq!(
            price(&[line(1, 4900, 6)], &discounts).total_cents,
            29_400 - 4_410
        );
        let one = price(&[line(1, 4900, 1)], &discounts);
        assert_eq!(one.total_cents, 4900 - 735);
        assert_eq!(one.held_back, vec![1]);
    }

    #[test]
    fn a_capped_discount_on_an_empty_cart_takes_nothing_later_beyond_the_cap() {
        let discounts = [capped(fixed(1, None, 100_000_000))];
        let empty = price(&[], &discounts);
        assert_eq!((empty.total_cents, empty.held_back.clone()), (0, vec![1]));
        assert_eq!(
            price(&[line(1, 15_900, 2)], &discounts).total_cents,
            31_800 - 4_770
        );
    }

    #[test]
    fn exactly_the_cap_is_allowed_even_when_rounding_takes_a_fraction_more() {
        // 15% of 1999 is 299.85, priced as 300.
        let priced = price(&[line(1, 1999, 1)], &[capped(percent(1, None, 1500))]);
        assert_eq!(priced.taken_by(1), 300);
        assert!(priced.held_back.is_empty());
    }

    #[test]
    fn a_managers_discount_is_not_capped() {
        let priced = price(&[line(1, 1000, 1)], &[fixed(1, None, 900)]);
        assert_eq!(priced.total_cents, 100);
    }

    fn fixed(id: i64, product_id: Option<i64>, amount_cents: i64) -> Discount {
        Discount {
            kind: DiscountKind::Fixed { amount_cents },
            ..percent(id, product_id, 0)
        }
    }

    #[test]
    fn percentages_round_half_up_to_the_cent() {
        assert_eq!(
            discount_off(5, DiscountKind::Percent { basis_points: 1000 }),
            1
        );
        assert_eq!(
            discount_off(4, DiscountKind::Percent { basis_points: 1000 }),
            0
        );
        assert_eq!(
            discount_off(15, DiscountKind::Percent { basis_points: 1000 }),
            2
        );
        assert_eq!(
            discount_off(2999, DiscountKind::Percent { basis_points: 1500 }),
            450
        );
    }

    #[test]
    fn a_fixed_discount_never_takes_more_than_there_is() {
        assert_eq!(
            discount_off(300, DiscountKind::Fixed { amount_cents: 500 }),
            300
        );
    }

    #[test]
    fn line_discounts_come_before_cart_discounts() {
        let lines = [
            LineInput {
                product_id: 1,
                unit_price_cents: 1000,
                quantity: 2,
            },
            LineInput {
                product_id: 2,
                unit_price_cents: 500,
                quantity: 1,
            },
        ];
        let priced = price(&lines, &[percent(1, None, 1000), fixed(2, Some(1), 500)]);
        assert_eq!(priced.subtotal_cents, 2500);
        assert_eq!(priced.lines[0].total_cents, 1500);
        assert_eq!(priced.lines_total_cents, 2000);
        assert_eq!(priced.cart_discount_cents, 200);
        assert_eq!(priced.total_cents, 1800);
    }

    fn arb_lines() -> impl Strategy<Value = Vec<LineInput>> {
        prop::collection::vec((1i64..=8, 0i64..=500_000, 1i64..=99), 0..8).prop_map(|raw| {
            let mut lines: Vec<LineInput> = Vec::new();
            for (product_id, unit_price_cents, quantity) in raw {
                if !lines.iter().any(|l| l.product_id == product_id) {
                    lines.push(LineInput {
                        product_id,
                        unit_price_cents,
                        quantity,
                    });
                }
            }
            lines
        })
    }

    fn arb_discounts() -> impl Strategy<Value = Vec<Discount>> {
        prop::collection::vec(
            (
                prop::option::of(1i64..=8),
                any::<bool>(),
                1i64..=10_000,
                1i64..=1_000_000,
            ),
            0..6,
        )
        .prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, (product_id, is_percent, bp, cents))| {
                    let discount = if is_percent {
                        percent(i as i64 + 1, product_id, bp)
                    } else {
                        fixed(i as i64 + 1, product_id, cents)
                    };
                    // Every third discount is a capped rep's.
                    if i % 3 == 1 {
                        capped(discount)
                    } else {
                        discount
                    }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn no_line_and_no_cart_is_ever_negative(lines in arb_lines(), discounts in arb_discounts()) {
            let priced = price(&lines, &discounts);
            prop_assert!(priced.total_cents >= 0);
            prop_assert!(priced.lines.iter().all(|l| l.total_cents >= 0 && l.total_cents <= l.base_cents));
            prop_assert!(priced.total_cents <= priced.subtotal_cents);
        }

        #[test]
        fn what_the_discounts_took_adds_up_to_the_difference(lines in arb_lines(), discounts in arb_discounts()) {
            let priced = price(&lines, &discounts);
            let taken: i64 = priced.taken.iter().map(|(_, off)| off).sum();
            prop_assert_eq!(taken, priced.subtotal_cents - priced.total_cents);
            prop_assert_eq!(priced.taken.len(), discounts.len());
        }

        #[test]
        fn removing_a_discount_restores_the_total_there_was_without_it(
            lines in arb_lines(),
            discounts in arb_discounts(),
            extra in arb_discounts(),
        ) {
            let before = price(&lines, &discounts);
            let mut with_extra = discounts.clone();
            if let Some(mut added) = extra.into_iter().next() {
                added.discount_id = 1000;
                with_extra.push(added);
            }
            let after = price(&lines, &with_extra);
            prop_assert!(after.total_cents <= before.total_cents);
            with_extra.retain(|d| d.discount_id != 1000);
            prop_assert_eq!(price(&lines, &with_extra).total_cents, before.total_cents);
        }

        #[test]
        fn capped_discounts_never_take_more_than_the_cap_of_the_subtotal(
            lines in arb_lines(),
            discounts in arb_discounts(),
        ) {
            let priced = price(&lines, &discounts);
            let (taken, count) = capped_taken(&priced, &discounts);
            prop_assert!(taken <= cap_allowance(1500, priced.subtotal_cents, count));
        }

        #[test]
        fn without_discounts_the_total_is_the_sum_of_price_times_quantity(lines in arb_lines()) {
            let priced = price(&lines, &[]);
            let expected: i64 = lines.iter().map(|l| l.unit_price_cents * l.quantity).sum();
            prop_assert_eq!(priced.total_cents, expected);
        }
    }
}
