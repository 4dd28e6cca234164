"""Demo data on the real 34 wards of Thành phố Thanh Hóa (2023), and its loader. Nothing imports seed
but the CLI and the tests."""
