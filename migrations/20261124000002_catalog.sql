-- The product catalog. Prices are integer cents; stock is units on hand.
create table product
(
    product_id  bigint generated always as identity primary key,
    slug        text        not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text        not null check (length(name) between 1 and 200),
    description text        not null default '',
    category    text        not null check (length(category) between 1 and 60),
    price_cents bigint      not null check (price_cents >= 0),
    stock       integer     not null check (stock >= 0),
    created_at  timestamptz not null default now()
);

create index product_category_name_idx on product (category, name);
create index product_name_trgm_idx on product using gin (name gin_trgm_ops);
