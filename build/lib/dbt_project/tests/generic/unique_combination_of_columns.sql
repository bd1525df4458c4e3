{#- The grain of a model: no two rows share the same values of `combination`
    (dbt_utils has the same test; this project installs no dbt packages). -#}
{% test unique_combination_of_columns(model, combination) %}

select
    {{ combination | join(', ') }},
    count(*) as rows_with_this_key
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1

{% endtest %}
