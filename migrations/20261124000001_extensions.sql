-- Shared building blocks for every later migration.
create extension if not exists citext;   -- case-insensitive emails and usernames
create extension if not exists pg_trgm;  -- substring search for the cart finder
