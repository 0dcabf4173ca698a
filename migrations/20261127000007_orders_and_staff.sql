-- A store that sells and is staffed: orders placed from carts, known customers, links that
-- reopen a cart, an outbox for mail, staff changes with who made them.

-- Carts may become orders. A help code stays reserved ("held") while its cart is active and
-- for a week after the cart became an order, so a rep typing it never lands in a stranger's
-- cart; the housekeeping sweep releases it after that.
alter table cart drop constraint cart_status_check;
alter table cart add constraint cart_status_check check (status in ('active', 'closed', 'ordered'));
alter table cart add column code_held boolean not null default true;
alter table cart add column ordered_at timestamptz;
update cart set code_held = (status = 'active');
drop index cart_active_help_code_key;
create unique index cart_held_help_code_key on cart (help_code) where code_held;
-- Keyset pagination of active carts: most recent activity first, ties broken by id.
drop index cart_active_recent_idx;
create index cart_active_recent_idx on cart (updated_at desc, cart_id desc) where status = 'active';

-- Customers: known by email (any case). `source` says how the email was given: at checkout,
-- or only to be sent a link to the cart (reps see that as unverified).
alter table customer add column source text not null default 'checkout'
    check (source in ('checkout', 'cart_link'));
alter table customer add column updated_at timestamptz not null default now();

create table shop_order
(
    order_id         bigint generated always as identity primary key,
    -- What the shopper reads to a rep: eight characters of the help-code alphabet.
    order_number     text        not null unique check (order_number ~ '^[2-9A-HJKMNP-Z]{8}$'),
    cart_id          bigint      not null unique references cart,
    customer_id      bigint      not null references customer,
    status           text        not null default 'awaiting_payment'
        check (status in ('awaiting_payment', 'paid', 'cancelled')),
    -- A repeated submission of the same checkout form finds this order instead of a second one.
    request_id       uuid        not null unique,
    contact_name     text        not null check (length(contact_name) between 1 and 200),
    email            citext      not null check (length(email) between 3 and 254),
    address_line     text        not null check (length(address_line) between 1 and 200),
    postal_code      text        not null check (length(postal_code) between 1 and 20),
    city             text        not null check (length(city) between 1 and 100),
    country          text        not null check (length(country) between 1 and 100),
    -- The prices as they were: later price or discount changes never alter an order.
    subtotal_cents   bigint      not null check (subtotal_cents >= 0),
    discount_cents   bigint      not null check (discount_cents >= 0),
    total_cents      bigint      not null check (total_cents >= 0),
    created_at       timestamptz not null default now(),
    cancelled_at     timestamptz,
    cancelled_by     bigint references staff,
    cancel_reason    text check (length(cancel_reason) <= 500)
);

create index shop_order_recent_idx on shop_order (created_at desc, order_id desc);
create index shop_order_status_recent_idx on shop_order (status, created_at desc, order_id desc);
create index shop_order_customer_idx on shop_order (customer_id, created_at desc, order_id desc);

create table order_line
(
    order_id         bigint  not null references shop_order on delete cascade,
    position         integer not null,
    product_id       bigint  not null references product,
    product_name     text    not null,
    unit_price_cents bigint  not null check (unit_price_cents >= 0),
    quantity         integer not null check (quantity between 1 and 99),
    discount_cents   bigint  not null check (discount_cents >= 0),
    line_total_cents bigint  not null check (line_total_cents >= 0),
    primary key (order_id, position)
);

create table order_discount
(
    order_id         bigint  not null references shop_order on delete cascade,
    position         integer not null,
    -- The cart discount it was; its audit entry says who gave it, when and why.
    discount_id      bigint  not null,
    product_id       bigint references product,
    product_name     text,
    kind             text    not null check (kind in ('percent', 'fixed')),
    basis_points     integer,
    amount_cents     bigint,
    cap_basis_points integer,
    reason           text    not null,
    given_by         bigint  not null references staff,
    given_by_name    text    not null,
    taken_cents      bigint  not null check (taken_cents >= 0),
    primary key (order_id, position)
);

-- More browsers tied to one cart: the cart's own token (in `cart.token_hash`) is the first;
-- a browser that opened an emailed link to the cart gets a token of its own here.
create table cart_token
(
    token_hash bytea       primary key check (length(token_hash) = 32),
    cart_id    bigint      not null references cart on delete cascade,
    created_at timestamptz not null default now()
);

create index cart_token_cart_idx on cart_token (cart_id);

-- A link that reopens a cart in another browser, mailed at the shopper's request. Only the
-- token's SHA-256 is stored.
create table cart_link
(
    token_hash  bytea       primary key check (length(token_hash) = 32),
    cart_id     bigint      not null references cart on delete cascade,
    customer_id bigint      not null references customer,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz
);

create index cart_link_cart_idx on cart_link (cart_id);

-- Mail the store would send. No mail server is needed: a sender (not part of this project)
-- would deliver rows without `sent_at`; the application logs each one.
create table outbox
(
    outbox_id  bigint generated always as identity primary key,
    to_email   citext      not null,
    subject    text        not null,
    body       text        not null,
    created_at timestamptz not null default now(),
    sent_at    timestamptz
);

-- Every change to a staff account, and who made it (null: the command line).
create table staff_audit
(
    audit_id   bigint generated always as identity primary key,
    actor_id   bigint references staff,
    staff_id   bigint      not null references staff,
    action     text        not null,
    detail     jsonb       not null,
    created_at timestamptz not null default now()
);

create index staff_audit_staff_idx on staff_audit (staff_id, audit_id);

create function append_only() returns trigger
    language plpgsql as
$$
begin
    raise exception '% is append-only', tg_table_name;
end
$$;

create trigger staff_audit_append_only
    before update or delete on staff_audit
    for each row execute function append_only();
