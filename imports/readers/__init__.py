"""Reading the datasets' CSV files into normalised rows: pure Python, no database (csvfile.py what they share,
acled_csv.py and ucdp_csv.py each dataset's dialect)."""
