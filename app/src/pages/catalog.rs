//! The catalog: every product, filterable by category.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::catalog::list_products;
use crate::components::add_to_cart::{AddToCartForm, FormSeed};
use crate::components::error_notice::ErrorNotice;
use crate::components::loaded::load;
use crate::components::product_picture::ProductPicture;
use crate::model::catalog::{Catalog, ProductSummary};
use crate::model::money::format_cents;

/// `/` and `/?category=Bikes`.
#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let category = move || query.read().get("category").filter(|c| !c.is_empty());
    let catalog = load(category, list_products);
    view! {
        <Title text="Catalog · Tandem Cycles"/>
        <h1>"Catalog"</h1>
        <Suspense fallback=|| view! { <p>"Loading the catalog…"</p> }>
            {move || Suspend::new(async move {
                match catalog.await {
                    Ok(catalog) => view! { <CatalogView catalog selected=category()/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CatalogView(catalog: Catalog, selected: Option<String>) -> impl IntoView {
    let chip = |href: String, label: String, current: bool| {
        view! {
            <li>
                <a href=href aria-current=current.then_some("page")>{label}</a>
            </li>
        }
    };
    let mut chips = vec![chip("/".into(), "All".into(), selected.is_none())];
    for category in &catalog.categories {
        chips.push(chip(
            format!("/?category={category}"),
            category.clone(),
            selected.as_deref() == Some(category),
        ));
    }
    view! {
        <nav class="categories" aria-label="Categories">
            <ul>{chips}</ul>
        </nav>
        <ul class="product-grid" data-testid="product-grid">
            {catalog
                .products
                .into_iter()
                .map(|product| view! { <ProductCard product/> })
                .collect_view()}
        </ul>
    }
}

#[component]
fn ProductCard(product: ProductSummary) -> impl IntoView {
    let href = format!("/products/{}", product.slug);
    let stock_note = match product.stock {
        0 => "Out of stock".to_string(),
        1..=5 => format!("Only {} left", product.stock),
        _ => "In stock".to_string(),
    };
    view! {
        <li class="product-card" data-product=product.slug.clone()>
            // The picture links to the product too, for pointers; keyboards and screen
            // readers use the name's link below (one stop per product, not two).
            <a href=href.clone() tabindex="-1" aria-hidden="true">
                <ProductPicture slug=product.slug.clone() width=240 height=180/>
            </a>
            <h2>
                <a href=href>{product.name.clone()}</a>
            </h2>
            <p class="price">{format_cents(product.price_cents)}</p>
            <p class="stock">{stock_note}</p>
            <AddToCartForm
                product_id=product.product_id
                product_name=product.name
                in_stock={product.stock > 0}
                with_quantity=false
                seed=FormSeed::of_this_render()
            />
        </li>
    }
}
