"""Rule metadata, one module per family (``br00`` .. ``br08``); ``registry`` joins them."""
