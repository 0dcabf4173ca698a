-- Carts, anonymous by default, and the triggers that version them and announce every change.

create table customer
(
    customer_id bigint generated always as identity primary key,
    email       citext      not null unique,
    name        text        not null check (length(name) between 1 and 200),
    created_at  timestamptz not null default now()
);

create table cart
(
    cart_id     bigint generated always as identity primary key,
    -- sha-256 of the durable token kept in the shopper's cookie; the token itself is never stored.
    token_hash  bytea       not null unique check (length(token_hash) = 32),
    -- six characters without look-alikes, shown as K7M-2QX; unique only among active carts.
    help_code   text        not null check (help_code ~ '^[2-9A-HJKMNP-Z]{6}$'),
    status      text        not null default 'active' check (status in ('active', 'closed')),
    customer_id bigint references customer,
    -- bumped by a trigger on every change; clients send the version they acted on.
    version     bigint      not null default 1,
    -- what the last change was; copied into the notification.
    last_op     text        not null default 'cart_created',
    user_agent  text        not null default '' check (length(user_agent) <= 512),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

create unique index cart_active_help_code_key on cart (help_code) where status = 'active';
create index cart_active_recent_idx on cart (updated_at desc) where status = 'active';
create index cart_customer_idx on cart (customer_id) where customer_id is not null;

create table cart_item
(
    cart_id    bigint      not null references cart on delete cascade,
    product_id bigint      not null references product,
    quantity   integer     not null check (quantity between 1 and 99),
    added_at   timestamptz not null default now(),
    primary key (cart_id, product_id)
);

create index cart_item_product_idx on cart_item (product_id);

-- Requests already applied to a cart, so a double click or a retried post applies once.
create table cart_request
(
    cart_id    bigint      not null references cart on delete cascade,
    request_id uuid        not null,
    applied_at timestamptz not null default now(),
    primary key (cart_id, request_id)
);

create index cart_request_applied_at_idx on cart_request (applied_at);

-- Every change to a cart row raises its version and its last-activity time.
create function cart_touch() returns trigger
    language plpgsql as
$$
begin
    new.version := old.version + 1;
    new.updated_at := now();
    return new;
end
$$;

create trigger cart_touch
    before update on cart
    for each row execute function cart_touch();

-- Announces every cart change. pg_notify is transactional: listeners hear it only at commit.
create function cart_notify() returns trigger
    language plpgsql as
$$
begin
    perform pg_notify('cart_activity',
                      json_build_object('cart_id', new.cart_id, 'op', new.last_op, 'version', new.version)::text);
    return null;
end
$$;

create trigger cart_notify
    after insert or update on cart
    for each row execute function cart_notify();

-- A change to a cart's items is a change to the cart: touching the cart row versions and announces it.
create function cart_item_changed() returns trigger
    language plpgsql as
$$
declare
    changed_cart bigint;
begin
    if tg_op = 'DELETE' then
        changed_cart := old.cart_id;
    else
        changed_cart := new.cart_id;
    end if;
    update cart
    set last_op = case tg_op when 'INSERT' then 'item_added' when 'UPDATE' then 'item_updated' else 'item_removed' end
    where cart_id = changed_cart;
    return null;
end
$$;

create trigger cart_item_changed
    after insert or update or delete on cart_item
    for each row execute function cart_item_changed();
