//! The pricing function: any lines and discounts price to non-negative lines and totals, the
//! discounts' takes add up, and capped discounts stay within their cap (pricing rule 6).
#![no_main]

use app::model::pricing::{cap_allowance, price, Discount, DiscountKind, LineInput};
use libfuzzer_sys::fuzz_target;

type RawLine = (u8, u32, u8);
type RawDiscount = (Option<u8>, bool, u16, u32, bool);

fuzz_target!(|input: (Vec<RawLine>, Vec<RawDiscount>)| {
    let (raw_lines, raw_discounts) = input;
    let mut lines: Vec<LineInput> = Vec::new();
    for (product, unit, quantity) in raw_lines.into_iter().take(20) {
        if lines.iter().any(|l| l.product_id == i64::from(product)) {
            continue;
        }
        lines.push(LineInput {
            product_id: i64::from(product),
            unit_price_cents: i64::from(unit),
            quantity: i64::from(quantity % 100),
        });
    }
    let discounts: Vec<Discount> = raw_discounts
        .into_iter()
        .take(20)
        .enumerate()
        .map(|(i, (product, percent, bp, cents, capped))| Discount {
            discount_id: i as i64 + 1,
            product_id: product.map(i64::from),
            kind: if percent {
                DiscountKind::Percent {
                    basis_points: i64::from(bp % 10_001),
                }
            } else {
                DiscountKind::Fixed {
                    amount_cents: i64::from(cents),
                }
            },
            reason: String::new(),
            given_by: String::new(),
            cap_basis_points: capped.then_some(1500),
        })
        .collect();
    let priced = price(&lines, &discounts);
    assert!(priced.total_cents >= 0 && priced.total_cents <= priced.subtotal_cents);
    assert!(priced
        .lines
        .iter()
        .all(|l| l.total_cents >= 0 && l.total_cents <= l.base_cents));
    let taken: i64 = priced.taken.iter().map(|(_, off)| off).sum();
    assert_eq!(taken, priced.subtotal_cents - priced.total_cents);
    let capped: Vec<&Discount> = discounts
        .iter()
        .filter(|d| d.cap_basis_points.is_some())
        .collect();
    let capped_taken: i64 = capped.iter().map(|d| priced.taken_by(d.discount_id)).sum();
    assert!(capped_taken <= cap_allowance(1500, priced.subtotal_cents, capped.len() as i64));
});
