-- Changes to what cart summaries and catalog pages show, beyond a cart's own version, are
-- announced on `catalog_activity`, so every process can drop what it cached: `prices` when a
-- product's price or name changes (or a product comes or goes), `stock` when only its stock
-- does, `customers` when a customer's name, email or standing changes. Identical
-- notifications in one transaction reach listeners once, so an order taking the stock of
-- five products announces `stock` once.
create function catalog_notify() returns trigger
    language plpgsql as
$$
declare
    what text;
begin
    if tg_table_name = 'customer' then
        what := 'customers';
    elsif tg_op <> 'UPDATE' then
        what := 'prices';
    elsif new.price_cents is distinct from old.price_cents or new.name is distinct from old.name
        or new.slug is distinct from old.slug or new.category is distinct from old.category
        or new.description is distinct from old.description then
        what := 'prices';
    elsif new.stock is distinct from old.stock then
        what := 'stock';
    else
        return null;
    end if;
    perform pg_notify('catalog_activity', json_build_object('what', what)::text);
    return null;
end
$$;

create trigger product_catalog_notify
    after insert or update or delete on product
    for each row execute function catalog_notify();

create trigger customer_catalog_notify
    after update on customer
    for each row
    when (old.name is distinct from new.name or old.email is distinct from new.email
          or old.source is distinct from new.source)
    execute function catalog_notify();
