//! `/admin/login`: a plain HTML form posted to the server (works without JavaScript).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The staff sign-in page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let (error, notice, next) = query.with_untracked(|query| {
        let error = match query.get_str("error") {
            Some("invalid") => Some("Wrong username or password."),
            Some("locked") => {
                Some("Too many failed attempts. Please wait 15 minutes and try again.")
            }
            Some("form") => Some("Please fill in both username and password."),
            Some("unavailable") => {
                Some("Signing in is not possible right now. Please try again shortly.")
            }
            Some("expired") => Some("Your session has ended. Please sign in again."),
            _ => None,
        };
        let notice =
            (query.get_str("notice") == Some("signed_out")).then_some("You are signed out.");
        (error, notice, query.get("next").unwrap_or_default())
    });
    view! {
        <Title text="Staff sign-in · Tandem"/>
        <main class="login">
            <h1>"Staff sign-in"</h1>
            {error.map(|message| view! { <p class="notice notice-error" role="alert">{message}</p> })}
            {notice.map(|message| view! { <p class="notice notice-done" role="status">{message}</p> })}
            <form method="post" action="/admin/login">
                <input type="hidden" name="next" value=next/>
                <label>
                    "Username"
                    <input name="username" autocomplete="username" required autofocus/>
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required/>
                </label>
                <button type="submit">"Sign in"</button>
            </form>
        </main>
    }
}
