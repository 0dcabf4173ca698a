-- What reps do to carts: discounts, pushed links, and the append-only audit trail.

create table cart_discount
(
    discount_id  bigint generated always as identity primary key,
    cart_id      bigint      not null references cart on delete cascade,
    -- null: the discount is on the whole cart; otherwise on that product's line.
    product_id   bigint references product,
    kind         text        not null check (kind in ('percent', 'fixed')),
    -- percent discounts in basis points (10% = 1000); fixed ones in cents.
    basis_points integer check (basis_points between 1 and 10000),
    amount_cents bigint check (amount_cents > 0),
    reason       text        not null check (length(btrim(reason)) between 3 and 500),
    created_by   bigint      not null references staff,
    created_at   timestamptz not null default now(),
    check ((kind = 'percent') = (basis_points is not null)),
    check ((kind = 'fixed') = (amount_cents is not null))
);

create index cart_discount_cart_idx on cart_discount (cart_id);

create table pushed_link
(
    link_id      bigint generated always as identity primary key,
    cart_id      bigint      not null references cart on delete cascade,
    -- a path of this site only: starts with one slash, never two, no backslash or scheme.
    path         text        not null check (path ~ '^/([^/\\].*)?$' and length(path) <= 500),
    note         text        not null default '' check (length(note) <= 500),
    created_by   bigint      not null references staff,
    created_at   timestamptz not null default now(),
    dismissed_at timestamptz
);

create index pushed_link_cart_idx on pushed_link (cart_id);

-- Every rep action, written in the same transaction as the change. Never updated or deleted.
create table cart_audit
(
    audit_id   bigint generated always as identity primary key,
    cart_id    bigint      not null references cart on delete cascade,
    staff_id   bigint      not null references staff,
    action     text        not null,
    detail     jsonb       not null,
    created_at timestamptz not null default now()
);

create index cart_audit_cart_idx on cart_audit (cart_id, audit_id);

create function cart_audit_append_only() returns trigger
    language plpgsql as
$$
begin
    raise exception 'cart_audit is append-only';
end
$$;

create trigger cart_audit_append_only
    before update or delete on cart_audit
    for each row execute function cart_audit_append_only();

-- Changes made by a rep are announced as rep_<op>, so the shopper's page can say who did it.
-- The rep's transaction sets `tandem.actor` to 'rep' (set local).
create or replace function cart_item_changed() returns trigger
    language plpgsql as
$$
declare
    changed_cart bigint;
    op           text;
begin
    if tg_op = 'DELETE' then
        changed_cart := old.cart_id;
    else
        changed_cart := new.cart_id;
    end if;
    op := case tg_table_name
              when 'cart_item' then case tg_op when 'INSERT' then 'item_added' when 'UPDATE' then 'item_updated' else 'item_removed' end
              when 'cart_discount' then case tg_op when 'INSERT' then 'discount_added' when 'UPDATE' then 'discount_updated' else 'discount_removed' end
              else case tg_op when 'INSERT' then 'link_pushed' else 'link_updated' end
        end;
    if coalesce(current_setting('tandem.actor', true), '') = 'rep' then
        op := 'rep_' || op;
    end if;
    update cart set last_op = op where cart_id = changed_cart;
    return null;
end
$$;

create trigger cart_discount_changed
    after insert or update or delete on cart_discount
    for each row execute function cart_item_changed();

create trigger pushed_link_changed
    after insert or update on pushed_link
    for each row execute function cart_item_changed();
