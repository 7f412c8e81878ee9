"""Value flows: thanks and time credits (``thanks``), the impact overview (``impact``) and the
monthly celebration (``celebrate``). Import the module that holds what you need."""
