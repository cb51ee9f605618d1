"""WeChat Official Account and WeCom (企业微信)."""
