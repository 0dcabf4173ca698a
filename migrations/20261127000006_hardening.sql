-- Money and access under abuse: discounts remember the cap they were given under, staff
-- changes and ended sessions are announced so live sockets close, and cart notifications say
-- whether the cart is still active.

-- The cap (basis points of the subtotal) a sales rep worked under when giving the discount;
-- null for a discount manager's. Pricing never lets capped discounts take more than their cap
-- of the cart's current subtotal.
alter table cart_discount
    add column cap_basis_points integer check (cap_basis_points between 0 and 10000);

-- Discounts given before caps were recorded: a giver without discount_manager worked under
-- the default cap.
update cart_discount d
set cap_basis_points = 1500
from staff s
where s.staff_id = d.created_by
  and not ('discount_manager' = any (s.roles));

-- A deactivated account or a changed set of roles is announced on `staff_activity`; each
-- process re-checks that member's live sockets at once. Logout announces the session's end on
-- the same channel (from the application).
create function staff_notify() returns trigger
    language plpgsql as
$$
begin
    if tg_op = 'DELETE' then
        perform pg_notify('staff_activity',
                          json_build_object('op', 'staff_changed', 'staff_id', old.staff_id)::text);
    elsif new.active is distinct from old.active or new.roles is distinct from old.roles then
        perform pg_notify('staff_activity',
                          json_build_object('op', 'staff_changed', 'staff_id', new.staff_id)::text);
    end if;
    return null;
end
$$;

create trigger staff_notify
    after update or delete on staff
    for each row execute function staff_notify();

-- Cart notifications carry the cart's status, so a shopper's live stream ends with its cart.
create or replace function cart_notify() returns trigger
    language plpgsql as
$$
begin
    perform pg_notify('cart_activity',
                      json_build_object('cart_id', new.cart_id, 'op', new.last_op, 'version', new.version,
                                        'status', new.status)::text);
    return null;
end
$$;
