"""`python main.py retire-key [KID]`: stop a key verifying; its tokens get 401 from then on."""
