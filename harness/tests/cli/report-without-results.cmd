report --criterion {corpus}/criterion --out {corpus}/reports
