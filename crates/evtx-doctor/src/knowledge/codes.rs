//! Win32 / RPC / DS / HRESULT error codes: value, symbol, meaning.
