pub mod model { pub mod help_code; pub mod money; }
