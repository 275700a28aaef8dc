"""Files that leave or enter the project: Open Referral (HSDS) and the public exports."""
