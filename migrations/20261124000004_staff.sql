-- Staff: sales reps, admins and the roles that decide what each may do.
create table staff
(
    staff_id      bigint generated always as identity primary key,
    username      citext      not null unique check (username ~ '^[a-z0-9._-]{2,40}$'),
    display_name  text        not null check (length(display_name) between 1 and 100),
    -- PHC string of an Argon2id hash; never the password.
    password_hash text        not null,
    active        boolean     not null default true,
    roles         text[]      not null default '{}'
        check (roles <@ array ['admin', 'sales_rep', 'event_listener', 'discount_manager']),
    created_at    timestamptz not null default now()
);

-- Finding carts by customer name or email, and by product name, with ILIKE '%...%'.
create index customer_email_trgm_idx on customer using gin (email gin_trgm_ops);
create index customer_name_trgm_idx on customer using gin (name gin_trgm_ops);
