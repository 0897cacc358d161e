"""The portal's labels, one module an area; network.portal.i18n merges them."""
