-- Emptying the product or customer table with TRUNCATE fires no row trigger; announce it on
-- `catalog_activity` too, so kept pages and summaries are dropped at once instead of when
-- their backstop age runs out. (In a statement trigger `new` and `old` are null, and
-- `tg_op` is 'TRUNCATE', which `catalog_notify` reads as `prices` for products.)
create trigger product_catalog_truncate_notify
    after truncate on product
    for each statement execute function catalog_notify();

create trigger customer_catalog_truncate_notify
    after truncate on customer
    for each statement execute function catalog_notify();
