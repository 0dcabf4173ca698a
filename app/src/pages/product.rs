//! One product with its description and a quantity to add.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::catalog::get_product;
use crate::components::add_to_cart::{AddToCartForm, FormSeed};
use crate::components::error_notice::ErrorNotice;
use crate::components::loaded::load;
use crate::components::product_picture::ProductPicture;
use crate::model::money::format_cents;

/// `/products/:slug`.
#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let product = load(slug, get_product);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match product.await {
                    Ok(product) => {
                        let stock_note = match product.stock {
                            0 => "Out of stock".to_string(),
                            n => format!("{n} in stock"),
                        };
                        view! {
                            <Title text=format!("{} · Tandem Cycles", product.name)/>
                            <article class="product-detail">
                                <ProductPicture slug=product.slug.clone() width=480 height=360/>
                                <div>
                                    <p class="category">
                                        <a href=format!("/?category={}", product.category)>
                                            {product.category.clone()}
                                        </a>
                                    </p>
                                    <h1>{product.name.clone()}</h1>
                                    <p class="price">{format_cents(product.price_cents)}</p>
                                    <p class="stock">{stock_note}</p>
                                    <p class="description">{product.description.clone()}</p>
                                    <AddToCartForm
                                        product_id=product.product_id
                                        product_name=product.name.clone()
                                        in_stock={product.stock > 0}
                                        with_quantity=true
                                        seed=FormSeed::of_this_render()
                                    />
                                </div>
                            </article>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
