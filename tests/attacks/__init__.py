"""Attacks a hostile user would make, kept as a regression suite (issue 12).

Bad datasets (`test_bad_data`), bad and oversized model files, saves killed half-way,
symlinks and permissions (`test_bad_files`), an unwritable output directory and Ctrl-C
outside training (`test_signals`). Every case checks that the state the attack aimed at
is unchanged after the error: the parameters, the optimizer's steps and buffers, the files.
"""
