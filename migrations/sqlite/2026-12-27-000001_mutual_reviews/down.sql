DROP TABLE peer_review_items;
DROP TABLE peer_reviews;
DROP TABLE review_assignments;
DROP TABLE review_group_members;
DROP TABLE review_groups;
DROP TABLE review_plans;
