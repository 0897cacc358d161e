"""Personal data as the law expects: the register, access (export), erasure and retention."""
